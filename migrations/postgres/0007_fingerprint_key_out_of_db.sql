-- PostgreSQL twin of migrations/sqlite/0007 (the same statement: unquoted names fold alike).
-- The key of sharedKey fingerprints leaves the database (issue 15): anyone able to read the file
-- (or run `vpnsync query`) could otherwise test guesses of a weak pre-shared key against its
-- fingerprint. It now lives in a 0600 key file in the user's config directory, or in
-- VPNSYNC_FINGERPRINT_KEY; `meta.fingerprint_key_id` (a hash of it) names which key a database uses.
--
-- A salt that no stored fingerprint depends on (a database just created by 0001, or one whose
-- links never carried a sharedKey) is simply dropped here; the first pull or import gives the
-- database the key file's key. A salt that fingerprints depend on cannot be dropped by SQL: the
-- next `pull`, `import` or `migrate` moves it into the key file first, then deletes it from meta
-- in one transaction (src/store/fingerprint-key.ts), so those fingerprints still match.
DELETE FROM meta
WHERE key = 'shared_key_salt'
  AND NOT EXISTS (SELECT 1 FROM vpn_link_connections WHERE sharedKey IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM vpn_link_connection_versions WHERE sharedKey IS NOT NULL);
