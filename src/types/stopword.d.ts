// stopword ships no type declarations; we use only its word lists.
declare module 'stopword' {
  export const eng: string[];
  export const swe: string[];
  export const ukr: string[];
  export const rus: string[];
}
