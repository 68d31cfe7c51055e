package eval

import (
	"context"
	"image"

	"github.com/facegate/facegate/infer"
	"github.com/facegate/facegate/infer/liveness"
)

// Face-mesh landmark indices (canonical MediaPipe FaceMesh topology, as in
// infer/liveness/mesh.go) used by the mesh variants. The eye centres are
// liveness.Mesh.EyeCentres: the mid-points of each eye's two corners
// (33/133 and 362/263).
const (
	meshNoseTip     = 1
	meshMouthRight  = 61  // the subject's right mouth corner (image left)
	meshMouthLeft   = 291 // the subject's left mouth corner
	meshRefinePass  = 3   // re-crops after the first pass, as the liveness code does
	meshMinPresence = 0.5 // below it the mesh is not used
)

// meshTemplate4 and meshTemplate5 are the ArcFace crop positions of the
// mesh points: right eye, left eye, right and left mouth corner (and the
// nose tip).
var (
	meshTemplate4 = [][2]float64{infer.ArcFaceTemplate[infer.RightEye], infer.ArcFaceTemplate[infer.LeftEye], infer.ArcFaceMouthCorners[0], infer.ArcFaceMouthCorners[1]}
	meshTemplate5 = append(append([][2]float64{}, meshTemplate4...), infer.ArcFaceTemplate[infer.NoseTip])
)

// meshPoints are the alignment points of m in meshTemplate order (five with
// the nose tip).
func meshPoints(m *liveness.Mesh, nose bool) []infer.Point {
	r, l := m.EyeCentres()
	pt := func(p liveness.Point) infer.Point { return infer.Point{X: float32(p.X), Y: float32(p.Y)} }
	ps := []infer.Point{pt(r), pt(l), pt(m.Points[meshMouthRight]), pt(m.Points[meshMouthLeft])}
	if nose {
		ps = append(ps, pt(m.Points[meshNoseTip]))
	}
	return ps
}

// meshAlignMap runs the face mesh on detection d (first crop from the
// detection's box and eyes, then refined passes times; the liveness code
// refines meshRefinePass times, the daemon's judge not at) and
// returns the crop map aligning the mesh's eye centres and mouth corners
// (and with nose the nose tip) onto the ArcFace template. ok is false when
// the mesh found no face (presence below 0.5) or its points are degenerate;
// the caller then falls back to the detector's keypoints.
func meshAlignMap(ctx context.Context, fm *liveness.FaceMesh, img *image.RGBA, d infer.Detection, nose bool, passes int) (m infer.Affine, ok bool, err error) {
	kp := d.Keypoints
	roi := liveness.ROIFromEyes(float64(d.Box.X0), float64(d.Box.Y0), float64(d.Box.X1), float64(d.Box.Y1),
		liveness.Point{X: float64(kp[infer.RightEye].X), Y: float64(kp[infer.RightEye].Y)},
		liveness.Point{X: float64(kp[infer.LeftEye].X), Y: float64(kp[infer.LeftEye].Y)})
	mesh, err := fm.Refine(ctx, img, roi, passes)
	if err != nil {
		return infer.Affine{}, false, err
	}
	if mesh.Presence < meshMinPresence || !mesh.Valid() {
		return infer.Affine{}, false, nil
	}
	tmpl := meshTemplate4
	if nose {
		tmpl = meshTemplate5
	}
	m, err = infer.AlignMapPoints(meshPoints(mesh, nose), tmpl)
	if err != nil {
		return infer.Affine{}, false, nil
	}
	return m, true, nil
}
