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
// # Store
//
// [Store] persists persons and templates in a bbolt file. Every value is
// sealed with AES-256-GCM under a key derived from the device key file
// ([CreateKey], [LoadKey]); the associated data binds each record to the
// store, its kind, the person id and the template id, so a record moved to
// another person or another store fails to decrypt. Person ids are the only
// plaintext (they are bucket keys).
//
// [Open] verifies the whole file before use: bbolt's structural check, the
// MAC'd header (magic, format version, dimension, key id), and that every
// record decrypts and is well formed. A store that fails is renamed aside
// with a timestamp suffix, reported through [Store.Quarantined], and
// replaced by an empty store that is flagged degraded ([Store.Degraded],
// [Result.Degraded]) until [Store.ClearDegraded] is called after a resync.
//
// [Store.Erase] deletes a person and then compacts the file (copy of the live
// data to a new file, fsync, rename over the old one, fsync of the
// directory), because bbolt keeps deleted values in its free pages. The old
// file's blocks are released to the file system, not overwritten: on flash
// media overwriting in place is not possible anyway, and what remains there
// is ciphertext.
package gallery
