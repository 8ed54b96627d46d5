/**
 * Epoch seconds at which a sealed log expires (its DynamoDB `expires_at`). Retention counts from
 * the later of the completion and the seal: an external runner may report a completion days old,
 * and counting from it alone could make the drain write items that are expired on arrival (reads
 * would then skip them and the sealed log would have holes). Items of an unsealed log carry a later, provisional
 * expiry (see `LOGSTREAM_UNSEALED_TTL_DAYS`).
 */
export function sealExpiresAt(completedAt: number, sealedAt: number, retentionSeconds: number): number {
  return Math.ceil(Math.max(completedAt, sealedAt) / 1000) + retentionSeconds;
}
