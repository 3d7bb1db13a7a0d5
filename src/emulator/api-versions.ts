/**
 * The api-versions the emulator accepts. ARM rejects any other value with 400
 * InvalidApiVersionParameter, so a client that sends a typo finds out here, not in Azure.
 */

/** Microsoft.Network versions: those of Microsoft's spec and examples (test/fixtures/azure-spec) plus the common older stable ones. */
export const NETWORK_API_VERSIONS: readonly string[] = [
  '2026-07-01', '2026-01-01', '2025-09-01', '2025-07-01', '2025-05-01', '2025-03-01', '2025-01-01',
  '2024-10-01', '2024-07-01', '2024-05-01', '2024-03-01', '2024-01-01',
  '2023-11-01', '2023-09-01', '2023-06-01', '2023-05-01', '2023-04-01', '2023-02-01',
  '2022-11-01', '2022-09-01', '2022-07-01', '2022-05-01', '2022-01-01',
  '2021-08-01', '2021-05-01', '2021-03-01', '2021-02-01', '2020-11-01', '2020-08-01', '2020-07-01', '2020-06-01', '2020-05-01',
];

/** Microsoft.Resources subscriptions versions (Subscriptions_List is 2022-12-01 in azure-spec). */
export const SUBSCRIPTIONS_API_VERSIONS: readonly string[] = ['2022-12-01', '2021-01-01', '2020-01-01', '2019-11-01', '2019-06-01', '2016-06-01'];
