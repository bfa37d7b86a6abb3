'use client'
import { type IdmeGroup, normalizeIdmeGroup } from '@nself/contracts/idme'
import type { ButtonHTMLAttributes, HTMLAttributes, ReactNode } from 'react'
import { idmeGroupLabel } from '../labels'
import type { IdmeVerificationOptions, VerifyOptions } from '../verification'
import { useIdmeVerification } from './use-idme-verification'

/** Props of {@link VerifyWithIdmeButton}. */
export interface VerifyWithIdmeButtonProps
  extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'onClick' | 'type'>,
    IdmeVerificationOptions,
    VerifyOptions {
  /** Groups to verify (ID.me scopes or the plugin's aliases). */
  groups: readonly string[]
  /** Default: "Verify with ID.me". */
  children?: ReactNode
}

/** A button that sends the browser to ID.me to verify `groups`. */
export function VerifyWithIdmeButton({
  groups,
  basePath,
  fetch,
  returnTo,
  children,
  ...rest
}: VerifyWithIdmeButtonProps) {
  const { verify } = useIdmeVerification({ ...(basePath ? { basePath } : {}), ...(fetch ? { fetch } : {}) })
  return (
    <button {...rest} type="button" onClick={() => verify(groups, returnTo ? { returnTo } : {})}>
      {children ?? 'Verify with ID.me'}
    </button>
  )
}

/** Props of {@link IdmeBadge}. */
export interface IdmeBadgeProps extends HTMLAttributes<HTMLSpanElement> {
  /** The verified group. */
  group: IdmeGroup | string
}

/** A "✓ Military"-style badge for a verified group (`data-idme-group` carries the scope). */
export function IdmeBadge({ group, ...rest }: IdmeBadgeProps) {
  return (
    <span data-idme-group={normalizeIdmeGroup(group) ?? group} {...rest}>
      ✓ {idmeGroupLabel(group)}
    </span>
  )
}
