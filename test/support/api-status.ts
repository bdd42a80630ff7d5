/** The Kubernetes Status object as tests read it from error answers (and from mapping creates). */
export interface Status {
  kind: string;
  status: string;
  code: number;
  reason?: string;
  message?: string;
  details?: { causes?: { reason?: string; field?: string; message?: string }[] };
}
