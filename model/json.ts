/** A JSON value: what arguments, return values and state fields may hold. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
