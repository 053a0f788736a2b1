/** A vector checker: throws (via expect) when the implementation disagrees with the entry. */
export type VectorCheck = ((entry: any, doc: any) => void | Promise<void>) & { title?: string };
