package infer

import _ "embed" // for CalibrationJSON

// DefaultMatchThreshold is the cosine similarity above which a face matches
// an enrolled person, chosen for a 1,000-person gallery: the shipped
// calibration puts the false-match rate there at about 1 in 117,000 per
// comparison, i.e. about 0.85% per attempt for a stranger against 1,000
// people (one template each). docs/accuracy.md explains the trade-off.
const DefaultMatchThreshold = 0.70

// CalibrationJSON is the similarity→false-match-rate table for the
// daemon's pipeline (eyes+mouth alignment, one embedding per face),
// derived on the dev set by `facegate eval ../shared/faces/dev
// --calibration-out infer/calibration.json`. Read it with gallery.ParseCalibration. Rates
// below 1 in 10,000 come from a tail model, not from counted pairs.
//
//go:embed calibration.json
var CalibrationJSON []byte
