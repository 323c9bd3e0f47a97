declare module '../../db/schema.ts' {
  interface DB {
    search_documents: {
      product_id: number;
      merchant_id: number;
      title_terms: string;
      body_terms: string;
    };
    search_vocab: { term: string };
  }
}

export {};
