import type { ProcessingErrorCode } from '@nself/contracts/files'
import type SharpModule from 'sharp'
import type { Metadata as SharpMetadata } from 'sharp'

type Sharp = typeof SharpModule

/** A processing failure with its stable code (`PROCESSING_ERROR_CODES`). */
export class ProcessingError extends Error {
  readonly code: ProcessingErrorCode
  constructor(code: ProcessingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ProcessingError'
    this.code = code
  }
}

let sharpModule: Promise<Sharp> | undefined

/**
 * Loads sharp on first use, so servers that never process an image never load libvips.
 * Rejects when sharp has no binary for this platform; images are then `unsupported`.
 */
export function loadSharp(): Promise<Sharp> {
  sharpModule ??= import('sharp').then((m) => {
    const sharp = ((m as { default?: Sharp }).default ?? m) as Sharp
    // libvips' operation cache would keep decoded files (and their handles) alive between jobs.
    sharp.cache(false)
    return sharp
  })
  return sharpModule
}

/** Image types sharp both reads and writes here. */
const WRITABLE: Record<string, 'jpeg' | 'png' | 'webp' | 'avif' | 'gif' | 'tiff'> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'image/gif': 'gif',
  'image/tiff': 'tiff',
}

/** Is `mimeType` an image this server processes? */
export const isProcessableImage = (mimeType: string): boolean => mimeType in WRITABLE

/** What {@link processImage} does. */
export interface ImageTask {
  /** The original's path and sniffed type. */
  input: string
  mimeType: string
  /** Write a processed copy with EXIF and GPS removed. */
  strip: boolean
  /** Scale the copy down to `maxWidth`. */
  resize: boolean
  /** Re-encode the copy at `quality`. */
  optimize: boolean
  maxWidth: number
  quality: number
  /** Where the processed copy goes. */
  outputPath: string
  /** Thumbnail bounding boxes to generate (none: no thumbnails). */
  thumbnailSizes: readonly number[]
  thumbnailPath(size: number): string
  /** Refuse images with more pixels than this (decompression bombs). */
  maxPixels: number
}

/** One thumbnail written. */
export interface ThumbnailOutput {
  size: number
  width: number
  height: number
  bytes: number
  ms: number
}

/** What {@link processImage} produced. */
export interface ImageOutcome {
  source: { width: number; height: number; hasAlpha: boolean; space: string | null; exif: boolean }
  /** The processed copy, when one was asked for. */
  output: { width: number; height: number; bytes: number; ms: number } | null
  thumbnails: ThumbnailOutput[]
  /** Time spent on thumbnails (decode included). */
  thumbnailsMs: number
}

/**
 * Processes one image with sharp: a copy that is auto-oriented, stripped of every metadata
 * block (EXIF, GPS, XMP, IPTC), optionally scaled down and re-encoded; and JPEG thumbnails
 * that fit square bounding boxes. Refuses images over `maxPixels` before decoding them.
 * @throws {ProcessingError} `IMAGE_TOO_LARGE`, `CORRUPT_FILE` or `PROCESSING_FAILED`.
 */
export async function processImage(task: ImageTask): Promise<ImageOutcome> {
  const sharp = await loadSharp()
  const format = WRITABLE[task.mimeType]
  if (!format) throw new ProcessingError('PROCESSING_FAILED', `cannot process ${task.mimeType}`)
  const animated = format === 'gif' || format === 'webp'
  const open = (input: string | Buffer = task.input) =>
    sharp(input, { limitInputPixels: task.maxPixels, animated: false })

  let meta: SharpMetadata
  try {
    // Reads the header only: a bomb is refused before a single pixel is decoded.
    meta = await sharp(task.input, { limitInputPixels: false }).metadata()
  } catch (error) {
    throw classify(error)
  }
  const width = meta.width ?? 0
  const height = meta.height ?? 0
  const frames = animated ? (meta.pages ?? 1) : 1
  if (width * height * frames > task.maxPixels || width * height > task.maxPixels) {
    throw new ProcessingError(
      'IMAGE_TOO_LARGE',
      `${width}×${height}${frames > 1 ? `×${frames} frames` : ''} exceeds ${task.maxPixels} pixels`,
    )
  }
  const outcome: ImageOutcome = {
    source: { width, height, hasAlpha: meta.hasAlpha ?? false, space: meta.space ?? null, exif: !!meta.exif },
    output: null,
    thumbnails: [],
    thumbnailsMs: 0,
  }

  try {
    if (task.strip || task.resize || task.optimize) {
      const started = performance.now()
      let pipeline =
        frames > 1 ? sharp(task.input, { limitInputPixels: task.maxPixels, animated: true }) : open().rotate()
      if (task.resize) pipeline = pipeline.resize({ width: task.maxWidth, withoutEnlargement: true })
      if (!task.strip) pipeline = pipeline.keepMetadata()
      const q = task.quality
      pipeline =
        format === 'jpeg'
          ? pipeline.jpeg({ quality: q })
          : format === 'png'
            ? pipeline.png({ compressionLevel: task.optimize ? 9 : 6 })
            : format === 'webp'
              ? pipeline.webp({ quality: q })
              : format === 'avif'
                ? pipeline.avif({ quality: q })
                : format === 'gif'
                  ? pipeline.gif()
                  : pipeline.tiff({ quality: q })
      const info = await pipeline.toFile(task.outputPath)
      outcome.output = {
        width: info.width,
        height: frames > 1 ? (info.pageHeight ?? info.height) : info.height,
        bytes: info.size,
        ms: elapsed(started),
      }
    }

    if (task.thumbnailSizes.length > 0) {
      const started = performance.now()
      const sizes = [...task.thumbnailSizes].sort((a, b) => b - a)
      // Decode once, shrinking on load to the largest box; the smaller boxes come from those pixels.
      const largest = sizes[0] as number
      const { data, info } = await open()
        .rotate()
        .resize(largest, largest, { fit: 'inside', withoutEnlargement: true })
        .flatten({ background: '#ffffff' })
        .raw()
        .toBuffer({ resolveWithObject: true })
      const raw = { width: info.width, height: info.height, channels: info.channels }
      for (const size of sizes) {
        const one = performance.now()
        const written = await sharp(data, { raw })
          .resize(size, size, { fit: 'inside', withoutEnlargement: true })
          .jpeg({ quality: 85 })
          .toFile(task.thumbnailPath(size))
        outcome.thumbnails.push({
          size,
          width: written.width,
          height: written.height,
          bytes: written.size,
          ms: elapsed(one),
        })
      }
      outcome.thumbnailsMs = elapsed(started)
      outcome.thumbnails.sort((a, b) => a.size - b.size)
    }
  } catch (error) {
    throw classify(error)
  }
  return outcome
}

/**
 * Decodes the first frame of a video or page of a PDF (already rendered to `framePath` by
 * ffmpeg or pdftoppm) into thumbnails, as {@link processImage} does for images.
 */
export async function thumbnailsFromFrame(
  framePath: string,
  task: Pick<ImageTask, 'thumbnailSizes' | 'thumbnailPath' | 'maxPixels'>,
): Promise<ImageOutcome> {
  return processImage({
    ...task,
    input: framePath,
    mimeType: 'image/jpeg',
    strip: false,
    resize: false,
    optimize: false,
    maxWidth: 0,
    quality: 85,
    outputPath: '',
  })
}

function classify(error: unknown): ProcessingError {
  if (error instanceof ProcessingError) return error
  const message = error instanceof Error ? error.message : String(error)
  if (/pixel limit/i.test(message)) return new ProcessingError('IMAGE_TOO_LARGE', message, { cause: error })
  if (/missing|no such file|ENOENT/i.test(message))
    return new ProcessingError('FILE_MISSING', message, { cause: error })
  if (/unable to (open|write)|ENOSPC|EACCES/i.test(message))
    return new ProcessingError('PROCESSING_FAILED', message, { cause: error })
  // Everything else sharp says about its input (corrupt header, premature end, bad Huffman
  // table, unsupported format) means the bytes are not the image they claim to be.
  return new ProcessingError('CORRUPT_FILE', message.split('\n')[0] ?? message, { cause: error })
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100
}
