// Package gallery holds the enrolled faces of a door terminal: an in-memory
// index searched 1:N for every face the camera sees, and an encrypted,
// durable store (bbolt, fsync on) that survives power loss and is kept in
// step with the index.
//
// # Search
//
// [Index] keeps every template (an L2-normalised embedding, several per
// person) in one contiguous []float32 arena and answers [Index.Search] with
// the best and second-best person by cosine similarity (the best template
// score of each person), skipping persons that are revoked or outside their
// validity window at the injected time. Searches never block and never
// allocate: writers build a new immutable snapshot (copy-on-write of the
// small per-person table; new templates are appended to the arena's spare
// capacity, which no published snapshot can see) and publish it with an
// atomic pointer swap. A search that started before an update finishes on
// the snapshot it began with.
//
// On CPUs with an int8 SIMD kernel (amd64: AVX-512 VNNI VPDPBUSD, else
// AVX-VNNI, else AVX2 VPMOVSXBW+VPMADDWD; arm64: SDOT when present, else
// NEON SMULL/SADALP) the index also keeps each template as int8 codes with
// a per-template scale (in memory only: the store keeps float32 and its
// format is unchanged), and [Index.Search] and [Index.SearchTopK] scan
// those: about 1 ms instead of 7–8 ms of CPU for 100,000 templates of 192
// on the Zen 4 development machine (BenchmarkSearch), for one more byte per
// dimension and 12 bytes per template of memory. The quantisation error of
// every template is bounded (Cauchy–Schwarz on the residuals, plus float32
// rounding), and the persons whose bound still reaches the ranks asked for
// are re-scored with the float32 code. Guarantee: the result is identical
// to the exhaustive float32 search — same persons in the same order, same
// tie-breaking, bit-identical scores — for every query; when the bounds
// leave too many candidates (hundreds of near-identical scores) the search
// runs the float scan instead. Elsewhere (armv7, the purego build tag) the
// portable int8 kernel is slower than the float scan, so only float32 is
// kept and scanned.
//
// # Store
//
// [Store] persists persons and templates in a bbolt file. Every value is
// sealed with AES-256-GCM under a key derived from the device key file
// ([CreateKey], [LoadKey]); the associated data binds each record to the
// store, its kind, the person id and the template id, so a record moved to
// another person or another store fails to decrypt. Person ids are the only
// plaintext (they are bucket keys).
//
// [Open] verifies the whole file before use: the bbolt meta and freelist
// pages (read with plain file reads, because bbolt dereferences them
// unchecked); the MAC'd header (magic, format version, dimension, key id);
// every record (decrypts, well formed, counts consistent), walked with
// memory faults turned into recoverable panics; then bbolt's own structural
// check. A store that fails is renamed aside with a timestamp suffix,
// reported through [Store.Quarantined] (a [*Quarantine], wrapping
// [ErrCorrupt] or [ErrWrongKey]), and replaced by an empty store flagged
// degraded ([Store.Degraded], [Result.Degraded]) until [Store.ClearDegraded]
// is called after a resync. The flag is stored, so it survives restarts.
// When exactly one bbolt meta page is damaged bbolt opens the previous
// transaction, which may undo the last change (a revoke): the data is kept
// but the store is flagged degraded the same way.
//
// Errors that are not the file's fault (bad config, unreadable or
// world-readable key file, file locked by another process, a dimension that
// differs from the store's) are returned by Open and leave the file alone.
//
// Writes ([Store.Enroll], [Store.ReplaceTemplates], [Store.Revoke],
// [Store.Erase], [Store.ClearDegraded]) are validated first and then run as
// one fsynced bbolt transaction: a rejected write changes nothing. The
// index is updated only after the commit.
//
// [Store.Erase] deletes a person and then compacts the file (copy of the live
// data to a new file, fsync, rename over the old one, fsync of the
// directory), because bbolt keeps deleted values in its free pages. The old
// file's blocks are released to the file system, not overwritten: on flash
// media overwriting in place is not possible anyway, and what remains there
// is ciphertext.
//
// # Calibration
//
// [Calibration] turns a similarity into an estimated false-match rate from
// a table measured by `facegate eval`, interpolated in log space, and
// prints it as odds ("est. 1 in 200,000").
package gallery
