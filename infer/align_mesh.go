package infer

// ArcFaceMouthCorners is where the subject's right and left mouth corners go
// in the 112×112 crop (pixel-index convention): the last two points of the
// standard ArcFace 5-point template, whose mean is ArcFaceTemplate's mouth
// centre.
var ArcFaceMouthCorners = [2][2]float64{
	{41.5493, 92.3655},
	{70.7299, 92.2041},
}

// AlignMapPoints returns the map from 112×112 crop pixels to source pixels
// that puts the points src (continuous image coordinates, as detector and
// face-mesh landmarks are) onto dst (crop pixel-index convention, as
// ArcFaceTemplate is) with the least-squares similarity transform. It is
// AlignMap for any set of two or more corresponding points, e.g. face-mesh
// eye centres and mouth corners onto the ArcFace template.
func AlignMapPoints(src []Point, dst [][2]float64) (Affine, error) {
	s := make([][2]float64, len(src))
	for i, p := range src {
		s[i] = [2]float64{float64(p.X) - 0.5, float64(p.Y) - 0.5}
	}
	fwd, err := Similarity(s, dst)
	if err != nil {
		return Affine{}, err
	}
	inv, ok := fwd.Invert()
	if !ok {
		return Affine{}, errDegenerate
	}
	return inv, nil
}
