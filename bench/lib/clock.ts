/**
 * Milliseconds on the machine's monotonic clock (CLOCK_MONOTONIC, as process.hrtime reads it): the
 * same clock in every process, so a widget holder's receipt and the bench's response times compare.
 */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;
