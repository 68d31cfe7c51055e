package liveness

import (
	"fmt"
	"image"
	"math"
	"strings"
	"time"
)

// State is a track's liveness state.
type State int

// Liveness states.
const (
	// Pending means not enough evidence yet; feed more frames.
	Pending State = iota
	// Live means the track's face passed the configured policy.
	Live
	// Attack means the track was refused: a cue detected an attack or the
	// timeout passed without evidence of life (Decision.Reason says which).
	Attack
)

func (s State) String() string {
	switch s {
	case Live:
		return "live"
	case Attack:
		return "attack"
	}
	return "pending"
}

// MarshalText makes states read as words in JSON and logs.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Reasons for an Attack decision.
const (
	ReasonPlanar  = "planar"  // the face moved like a flat surface
	ReasonBorder  = "border"  // a frame (phone, tablet, paper edge) surrounds the face
	ReasonIR      = "ir"      // infrared texture of a screen or print
	ReasonTimeout = "timeout" // no evidence of life within Config.Timeout
)

// Decision is the evaluator's answer after a frame.
type Decision struct {
	State State `json:"state"`
	// Reason is why the state was reached: for Attack one of the Reason*
	// constants, for Live the cues that passed (e.g. "planarity+blink").
	Reason string `json:"reason,omitempty"`
	// Cues are the cue results over the current window (for the event log).
	Cues []CueResult `json:"cues"`
	// Frames is the number of frames in the window; Elapsed the time since
	// the track's first usable frame (0 before it).
	Frames  int           `json:"frames"`
	Elapsed time.Duration `json:"elapsed"`
	// Usable is how many of the track's frames added evidence so far (a
	// valid mesh, inside the frame, at least Config.MinEyeDistance).
	Usable int `json:"usable_frames"`
}

// Cue returns the named cue result, or false.
func (d Decision) Cue(name string) (CueResult, bool) {
	for _, c := range d.Cues {
		if c.Name == name {
			return c, true
		}
	}
	return CueResult{}, false
}

// Observation is one frame of a tracked face.
type Observation struct {
	// Time is when the frame was captured.
	Time time.Time
	// Frame is the whole camera frame; nil makes the image cues (stillness,
	// border, infrared) abstain.
	Frame *image.RGBA
	// Mesh is the face mesh of this frame in Frame's pixels. A frame without
	// a valid mesh, with presence below 0.5, cut by the frame edge, or
	// with eyes closer than Config.MinEyeDistance adds no evidence.
	Mesh *Mesh
}

// frameRec is what the evaluator keeps of each frame.
type frameRec struct {
	t     time.Time
	mesh  *Mesh
	open  float64
	crop  []float32
	grey  *faceGrey // for the planarity cue's image tracking; nil without a frame or with planarity.points mesh
	diff  float64   // cropDifference to the previous frame, NaN if none
	sides int
	ir    irStats
	pairs []pairRes // against earlier frames of the window
}

// Evaluator accumulates the cues of one track and applies the policy. The
// daemon keeps one per track ID and drops it when the track ends. Once the
// state is Live or Attack it stays so for the track. Not safe for
// concurrent use.
type Evaluator struct {
	cfg      Config
	spectrum Spectrum
	frames   []frameRec
	first    time.Time // the first usable frame's time
	started  bool      // a usable frame was seen
	usable   int
	blinked  bool
	planar3D bool
	jumps    int // window restarts because consecutive crops showed different faces
	final    *Decision
	// vetoed are the closed samples (by frame time) of eye-openness dips
	// the planarity veto discounted: a dip stays discounted for as long as
	// it is in the window, even if planarity later reads above the veto.
	vetoed map[time.Time]bool
}

// NewEvaluator returns an evaluator for one track. cfg's zero fields take
// their defaults; spectrum is the camera's (Visible or Infrared).
func NewEvaluator(cfg Config, spectrum Spectrum) (*Evaluator, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch spectrum {
	case "":
		spectrum = Visible
	case Visible, Infrared:
	default:
		return nil, fmt.Errorf("config: camera.spectrum %q: must be visible or ir", spectrum)
	}
	return &Evaluator{cfg: cfg, spectrum: spectrum}, nil
}

// pairLags picks the earlier frames a new frame is compared with: spread
// over the window so both slow and quick motion are seen.
var pairLags = []float64{0.25, 0.5, 0.75, 1.0}

// Add feeds one frame and returns the decision so far.
func (e *Evaluator) Add(o Observation) Decision {
	if e.final != nil {
		return *e.final
	}
	if e.cfg.Mode == ModeOff {
		d := Decision{State: Live, Reason: "liveness off"}
		e.final = &d
		return d
	}
	if o.Mesh.Valid() && o.Mesh.Presence >= 0.5 && (o.Frame == nil || inFrame(o.Mesh, o.Frame.Bounds())) &&
		(e.cfg.MinEyeDistance < 0 || o.Mesh.InterOcular() >= e.cfg.MinEyeDistance) {
		if !e.started {
			e.first, e.started = o.Time, true
		}
		e.usable++
		e.push(o)
	}
	if !e.started {
		// Nothing to judge yet (no face, or too small): the timeout
		// starts with the first usable frame.
		return Decision{State: Pending}
	}
	d := e.decide(o.Time)
	if d.State != Pending {
		e.final = &d
	}
	return d
}

// inFrame reports whether every landmark lies inside the frame. A face cut
// by the image edge gets a mesh the model half invents; on the synthetic
// attacks such edge faces (mirrored copies of the photo) were the main
// source of false "live" planarity verdicts, so they add no evidence.
func inFrame(m *Mesh, b image.Rectangle) bool {
	lo, hi := m.Bounds()
	return lo.X >= float64(b.Min.X) && lo.Y >= float64(b.Min.Y) && hi.X <= float64(b.Max.X) && hi.Y <= float64(b.Max.Y)
}

func (e *Evaluator) push(o Observation) {
	rec := frameRec{t: o.Time, mesh: o.Mesh, open: o.Mesh.EyeOpenness(), diff: math.NaN()}
	if o.Frame != nil {
		rec.crop = alignedGrey(o.Frame, o.Mesh)
		if e.cfg.Planarity.Points == PointsImage {
			rec.grey = newFaceGrey(o.Frame, o.Mesh)
		}
		rec.sides, _ = borderSides(o.Frame, o.Mesh)
		if e.spectrum == Infrared {
			rec.ir = computeIR(o.Frame, rec.crop)
		}
	}
	// Drop frames that left the window.
	cut := 0
	for cut < len(e.frames) && o.Time.Sub(e.frames[cut].t) > e.cfg.Window {
		cut++
	}
	e.frames = append(e.frames[:0], e.frames[cut:]...)
	if n := len(e.frames); n > 0 {
		prev := e.frames[n-1]
		if prev.crop != nil && rec.crop != nil {
			rec.diff = cropDifference(prev.crop, rec.crop)
			if rec.diff > e.cfg.Stillness.Jump {
				// Not the same face as the previous frame: start over.
				e.frames = e.frames[:0]
				e.blinked, e.planar3D = false, false
				e.jumps++
				rec.diff = math.NaN()
				e.frames = append(e.frames, rec)
				return
			}
		}
		seen := map[int]bool{}
		for _, lag := range pairLags {
			i := n - 1 - int(math.Round(lag*float64(n-1)))
			i = max(0, min(i, n-1))
			if seen[i] {
				continue
			}
			seen[i] = true
			if p, ok := planarPair(e.frames[i].mesh, o.Mesh, e.frames[i].grey, rec.grey); ok {
				rec.pairs = append(rec.pairs, p)
			}
		}
	}
	e.frames = append(e.frames, rec)
}

// cues computes every cue over the current window.
func (e *Evaluator) cues() []CueResult {
	var pairs []pairRes
	var opens []sample
	var diffs []float64
	var sides []int
	var irs []irStats
	for i, f := range e.frames {
		// A frame's pairs reach back at most one window from that frame.
		pairs = append(pairs, f.pairs...)
		if i > 0 { // the oldest frame's diff is against a frame that left
			diffs = append(diffs, f.diff)
		}
		opens = append(opens, sample{f.t, f.open})
		if f.crop != nil {
			sides = append(sides, f.sides)
		}
		if e.spectrum == Infrared {
			irs = append(irs, f.ir)
		}
	}
	pl := planarity(e.cfg.Planarity, pairs)
	bl, dips := blink(e.cfg.Blink, opens, func(t time.Time) bool { return e.vetoed[t] })
	if bl.Verdict == LiveVerdict && pl.Value <= e.cfg.Planarity.BlinkVeto { // NaN (not judged) never vetoes
		bl.Verdict = Abstain
		bl.Note = fmt.Sprintf("eye openness dipped (%.3f) while the face moved like a plane (planarity %.4f <= %.4f): not counted as a blink", bl.Value, pl.Value, e.cfg.Planarity.BlinkVeto)
		// The dip happened during that motion: it stays discounted
		// (on a held-out synthetic print the same dip was otherwise
		// counted 14 frames later, when planarity crept to 0.0181).
		if e.vetoed == nil {
			e.vetoed = map[time.Time]bool{}
		}
		for _, t := range dips {
			e.vetoed[t] = true
		}
	}
	if len(e.frames) > 0 {
		for t := range e.vetoed {
			if t.Before(e.frames[0].t) {
				delete(e.vetoed, t) // left the window
			}
		}
	}
	out := []CueResult{
		pl,
		bl,
		stillness(e.cfg.Stillness, diffs),
		border(e.cfg.Border, sides),
	}
	if e.spectrum == Infrared {
		out = append(out, infrared(e.cfg.IR, irs))
	}
	return out
}

func (e *Evaluator) decide(now time.Time) Decision {
	d := Decision{State: Pending, Frames: len(e.frames), Elapsed: now.Sub(e.first), Usable: e.usable}
	if len(e.frames) >= e.cfg.MinFrames {
		d.Cues = e.cues()
		v := map[string]Verdict{}
		for _, c := range d.Cues {
			v[c.Name] = c.Verdict
		}
		if v[CueBlink] == LiveVerdict {
			e.blinked = true
		}
		if v[CuePlanarity] == LiveVerdict {
			e.planar3D = true
		}
		switch {
		case v[CueBorder] == AttackVerdict && e.cfg.Mode != ModeBlink:
			d.State, d.Reason = Attack, ReasonBorder
			return d
		case v[CuePlanarity] == AttackVerdict:
			d.State, d.Reason = Attack, ReasonPlanar
			return d
		case e.spectrum == Infrared && v[CueIR] == AttackVerdict:
			d.State, d.Reason = Attack, ReasonIR
			return d
		}
		irOK := e.spectrum != Infrared || v[CueIR] == LiveVerdict
		notStill := v[CueStillness] != AttackVerdict
		var why []string
		if e.planar3D {
			why = append(why, CuePlanarity)
		}
		if e.blinked {
			why = append(why, CueBlink)
		}
		live := false
		switch e.cfg.Mode {
		case ModePassive:
			live = (e.planar3D || e.blinked) && notStill && irOK
		case ModeBlink:
			live = e.blinked && irOK
		case ModeStrict:
			live = e.blinked && e.planar3D && notStill && irOK
		}
		if live {
			d.State, d.Reason = Live, strings.Join(why, "+")
			return d
		}
	}
	if d.Elapsed >= e.cfg.Timeout {
		d.State, d.Reason = Attack, ReasonTimeout
		if d.Cues == nil && len(e.frames) > 0 {
			d.Cues = e.cues()
		}
	}
	return d
}
