// Package track follows faces across camera frames so that evidence (liveness
// cues, match scores) can accumulate per person walking up to the door.
//
// A track is one face seen in successive frames. Detections of a new frame are
// assigned to existing tracks by box overlap (IoU) or, when the face moved
// faster than the boxes overlap, by landmark proximity relative to the face
// size. A track that has not been seen for longer than Config.MaxGap ends.
package track

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// Point is an image position in pixels.
type Point struct{ X, Y float64 }

// Box is an axis-aligned rectangle in image pixels, Min inclusive, Max exclusive.
type Box struct{ MinX, MinY, MaxX, MaxY float64 }

// W is the box width in pixels.
func (b Box) W() float64 { return b.MaxX - b.MinX }

// H is the box height in pixels.
func (b Box) H() float64 { return b.MaxY - b.MinY }

// Center is the box centre.
func (b Box) Center() Point { return Point{(b.MinX + b.MaxX) / 2, (b.MinY + b.MaxY) / 2} }

func (b Box) area() float64 {
	if b.W() <= 0 || b.H() <= 0 {
		return 0
	}
	return b.W() * b.H()
}

// IoU is the intersection over union of two boxes, 0 when either is empty.
func IoU(a, b Box) float64 {
	in := Box{math.Max(a.MinX, b.MinX), math.Max(a.MinY, b.MinY), math.Min(a.MaxX, b.MaxX), math.Min(a.MaxY, b.MaxY)}
	ia := in.area()
	u := a.area() + b.area() - ia
	if u <= 0 {
		return 0
	}
	return ia / u
}

// Detection is one face found in a frame: its box and optional landmarks
// (e.g. BlazeFace's six keypoints) in image pixels.
type Detection struct {
	Box Box
	// Points are landmarks in a fixed order; matched point-wise against the
	// track's previous points when both have the same count. May be nil.
	Points []Point
	// Score is the detector confidence; carried along, not used for matching.
	Score float64
}

// Track is the state of one followed face after an Update.
type Track struct {
	// ID is stable for the life of the track and never reused by a Tracker.
	ID uint64
	// Det is the detection assigned to the track in the latest frame.
	Det Detection
	// First and Last are the frame times the track was first and last seen.
	First, Last time.Time
	// Hits is the number of frames the track has been seen in.
	Hits int
}

// Age is how long the track has existed, from its first to its last frame.
func (t Track) Age() time.Duration { return t.Last.Sub(t.First) }

// Config tunes the tracker. The zero value is replaced by DefaultConfig's
// fields where a field is zero.
type Config struct {
	// MaxGap is how long a track survives without a matching detection.
	MaxGap time.Duration
	// MinIoU is the box overlap above which a detection continues a track.
	MinIoU float64
	// MaxPointDist is the largest mean landmark displacement, as a fraction
	// of the face box's larger side, for which a detection with little box
	// overlap still continues a track.
	MaxPointDist float64
}

// DefaultConfig is the tracker configuration used when fields are zero:
// a face may vanish for up to 0.5 s (a missed detection or two at 15 fps)
// and may move up to one face width between frames.
func DefaultConfig() Config {
	return Config{MaxGap: 500 * time.Millisecond, MinIoU: 0.3, MaxPointDist: 1.0}
}

// Validate reports a configuration field with an impossible value.
func (c Config) Validate() error {
	switch {
	case c.MaxGap < 0:
		return fmt.Errorf("track: max_gap %v must not be negative", c.MaxGap)
	case c.MinIoU < 0 || c.MinIoU > 1:
		return fmt.Errorf("track: min_iou %v must be in [0,1]", c.MinIoU)
	case c.MaxPointDist < 0:
		return fmt.Errorf("track: max_point_dist %v must not be negative", c.MaxPointDist)
	}
	return nil
}

// Tracker assigns detections to tracks frame by frame. It is not safe for
// concurrent use; the daemon owns one per camera.
type Tracker struct {
	cfg    Config
	nextID uint64
	live   []*Track
}

// New returns a Tracker; zero fields of cfg take DefaultConfig's values.
func New(cfg Config) (*Tracker, error) {
	d := DefaultConfig()
	if cfg.MaxGap == 0 {
		cfg.MaxGap = d.MaxGap
	}
	if cfg.MinIoU == 0 {
		cfg.MinIoU = d.MinIoU
	}
	if cfg.MaxPointDist == 0 {
		cfg.MaxPointDist = d.MaxPointDist
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Tracker{cfg: cfg, nextID: 1}, nil
}

// Update feeds the detections of the frame taken at now. It returns, for
// each detection in order, the track it belongs to (a new track when it
// continues none), and the IDs of tracks that ended because they were not
// seen for longer than MaxGap. Frame times must not go backwards; a frame
// older than the previous one is treated as taken at the previous time.
func (t *Tracker) Update(now time.Time, dets []Detection) (tracks []Track, ended []uint64) {
	// End tracks whose gap is too long, before matching, so a face that
	// reappears after the gap starts a new track (and new evidence).
	keep := t.live[:0]
	for _, tr := range t.live {
		if now.Sub(tr.Last) > t.cfg.MaxGap {
			ended = append(ended, tr.ID)
			continue
		}
		keep = append(keep, tr)
	}
	t.live = keep

	type pair struct {
		ti, di int
		score  float64
	}
	var pairs []pair
	for ti, tr := range t.live {
		for di, d := range dets {
			if s, ok := t.similarity(tr.Det, d); ok {
				pairs = append(pairs, pair{ti, di, s})
			}
		}
	}
	// Greedy assignment, best similarity first: with a handful of faces per
	// frame this equals the optimal assignment in practice.
	sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].score > pairs[j].score })
	usedT := make([]bool, len(t.live))
	assigned := make([]*Track, len(dets))
	for _, p := range pairs {
		if usedT[p.ti] || assigned[p.di] != nil {
			continue
		}
		usedT[p.ti] = true
		assigned[p.di] = t.live[p.ti]
	}
	tracks = make([]Track, len(dets))
	for di, d := range dets {
		tr := assigned[di]
		if tr == nil {
			tr = &Track{ID: t.nextID, First: now}
			t.nextID++
			t.live = append(t.live, tr)
		}
		tr.Det = cloneDet(d)
		if now.After(tr.Last) || tr.Hits == 0 {
			tr.Last = now
		}
		tr.Hits++
		tracks[di] = *tr
		tracks[di].Det = cloneDet(d)
	}
	return tracks, ended
}

// Active returns a copy of the tracks currently alive, oldest first.
func (t *Tracker) Active() []Track {
	out := make([]Track, len(t.live))
	for i, tr := range t.live {
		out[i] = *tr
		out[i].Det = cloneDet(tr.Det)
	}
	return out
}

// similarity scores how likely d continues the track whose last detection is
// prev: the IoU when it is at least MinIoU, else (when landmarks are present
// on both) a landmark-proximity score below MinIoU so IoU matches win.
func (t *Tracker) similarity(prev, d Detection) (float64, bool) {
	iou := IoU(prev.Box, d.Box)
	if iou >= t.cfg.MinIoU {
		return iou, true
	}
	if len(prev.Points) == 0 || len(prev.Points) != len(d.Points) {
		return 0, false
	}
	size := math.Max(math.Max(prev.Box.W(), prev.Box.H()), 1)
	ratio := math.Max(d.Box.W(), d.Box.H()) / size
	if ratio < 0.67 || ratio > 1.5 {
		return 0, false
	}
	var sum float64
	for i := range d.Points {
		sum += math.Hypot(d.Points[i].X-prev.Points[i].X, d.Points[i].Y-prev.Points[i].Y)
	}
	dist := sum / float64(len(d.Points)) / size
	if dist > t.cfg.MaxPointDist {
		return 0, false
	}
	// Map [0, MaxPointDist] to (0, MinIoU) so any IoU match ranks higher.
	return t.cfg.MinIoU * (1 - dist/(t.cfg.MaxPointDist+1e-9)) * 0.999, true
}

func cloneDet(d Detection) Detection {
	d.Points = append([]Point(nil), d.Points...)
	return d
}
