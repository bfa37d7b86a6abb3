// UploadThing's hook (useUploadThing comes from generateReactHelpers); not resumable.
export { generateReactHelpers } from '@uploadthing/react'
