// Uppy headless: core + tus (resumable) + the React hooks, no UI plugins.
export { default as Uppy } from '@uppy/core'
export { UppyContextProvider, useDropzone, useFileInput, useUppyEvent, useUppyState } from '@uppy/react'
export { default as Tus } from '@uppy/tus'
