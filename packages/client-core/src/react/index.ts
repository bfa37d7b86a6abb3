export { NselfProvider, type NselfProviderProps, useNselfConfig } from './nself-provider'
export { useStore } from './use-store'
