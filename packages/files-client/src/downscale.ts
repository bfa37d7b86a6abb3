/**
 * Scales a JPEG, PNG or WebP image down to `maxWidth` in the browser (canvas), so a phone
 * photo does not send 12 megapixels the server would shrink anyway. The copy carries no EXIF
 * or GPS. Anything else — other types, smaller images, or a runtime without
 * `createImageBitmap` (Node, old browsers) — comes back unchanged.
 */
export async function downscaleImage(file: Blob, maxWidth: number, quality = 0.85): Promise<Blob> {
  if (!/^image\/(jpeg|png|webp)$/.test(file.type) || typeof createImageBitmap !== 'function') return file
  // Applies the EXIF orientation, so the copy is upright without its EXIF.
  const bitmap = await createImageBitmap(file)
  const { width, height } = bitmap
  if (width <= maxWidth) {
    bitmap.close()
    return file
  }
  const w = maxWidth
  const h = Math.max(1, Math.round((height * maxWidth) / width))
  const canvas =
    typeof OffscreenCanvas === 'function'
      ? new OffscreenCanvas(w, h)
      : Object.assign(document.createElement('canvas'), { width: w, height: h })
  canvas.getContext('2d')?.drawImage(bitmap, 0, 0, w, h)
  bitmap.close()
  const type = file.type === 'image/png' ? 'image/png' : 'image/jpeg'
  const blob =
    'convertToBlob' in canvas
      ? await canvas.convertToBlob({ type, quality })
      : await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, type, quality))
  if (!blob) return file
  const name = (file as File).name
  return name
    ? new File([blob], name.replace(/\.\w+$/, type === 'image/png' ? '.png' : '.jpg'), { type })
    : blob
}
