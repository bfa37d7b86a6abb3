import type { Metadata } from 'next'
import { FilesDemo } from './files-demo'

export const metadata: Metadata = { title: 'Files — ɳChat' }

export default function FilesPage() {
  return (
    <main className="page">
      <h1>Files</h1>
      <p>
        Attachments go up with <code>useFileUpload</code> from <code>@nself/files-client</code>: resumable tus
        uploads to the file-processing stub, which sniffs their type, strips EXIF and GPS, and makes
        thumbnails. Pause one, reload the page and pick the same file again: it continues where it stopped.
      </p>
      <FilesDemo />
    </main>
  )
}
