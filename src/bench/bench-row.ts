/** One measured figure of `npm run bench`. */
export interface BenchRow {
  scenario: string;
  metric: string;
  value: number;
  unit: string;
  note?: string;
}
