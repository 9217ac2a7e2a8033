/** docs/images name -> the end-to-end screenshot it is copied from. */
export declare const DOC_IMAGES: Record<string, string>;
