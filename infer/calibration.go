package infer

// DefaultMatchThreshold is the cosine similarity above which a face matches
// an enrolled template, chosen for a 1,000-person gallery; docs/accuracy.md
// explains the choice and the calibration table it comes from.
const DefaultMatchThreshold = 0.55
