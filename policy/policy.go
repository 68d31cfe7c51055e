// Package policy decides, frame by frame, whether a face track earns a door
// grant: k-of-n consensus on the same person above a similarity threshold
// with a margin over the second-best person, liveness, validity windows, no
// re-grant while the door is still open for that person, and per-door
// attempt limiting (a few free non-matching tracks, then a doubling backoff,
// the way FIDO authenticators limit PIN and biometric retries).
//
// The package is pure logic: every method takes the current time, so tests
// drive it with a fake clock and the daemon passes frame capture timestamps.
package policy

import (
	"fmt"
	"time"
)

// Outcome is the result of a decision. The strings are the values of the
// access-decision event's "decision" field.
type Outcome string

// Decision outcomes.
const (
	Granted        Outcome = "granted"
	DeniedUnknown  Outcome = "denied-unknown"
	DeniedSpoof    Outcome = "denied-spoof"
	DeniedLiveness Outcome = "denied-liveness"
	DeniedQuality  Outcome = "denied-quality"
	DeniedSchedule Outcome = "denied-schedule"
	LockedOut      Outcome = "locked-out"
	// AlreadyOpen is returned when the track matches the person the door
	// was last granted to while the door is still unlocked or open: no
	// new door command is sent.
	AlreadyOpen Outcome = "already-open"
)

// CountsAsAttempt reports whether the outcome is a failed attempt for the
// door's attempt limiting. Unknown faces, spoofs and liveness failures
// count; poor image quality and schedule refusals do not (the person did
// nothing an attacker could repeat to learn from).
func (o Outcome) CountsAsAttempt() bool {
	return o == DeniedUnknown || o == DeniedSpoof || o == DeniedLiveness
}

// Liveness is the liveness verdict for a track at the time of a frame.
type Liveness int

// Liveness verdicts.
const (
	// LivenessOff means liveness checking is not configured.
	LivenessOff Liveness = iota
	// LivenessPending means the checker is still collecting frames.
	LivenessPending
	// LivenessLive means the checker accepted the track as a live face.
	LivenessLive
	// LivenessAttack means the checker decided the track is a presentation attack.
	LivenessAttack
	// LivenessTimeout means the checker gave up without a verdict.
	LivenessTimeout
)

// Config holds the decision policy settings (the `policy:` section).
type Config struct {
	// K is how many frames of a track must match the same person.
	K int `yaml:"k"`
	// N is the window of recent usable frames the K matches must fall in.
	N int `yaml:"n"`
	// MaxFrames is how many usable frames a track gets to reach the
	// consensus before it is denied as unknown: a person walking up is
	// small and blurred in the first frames and should not spend an
	// attempt on them.
	MaxFrames int `yaml:"max_frames"`
	// Threshold is the minimum cosine similarity for a frame to match.
	Threshold float64 `yaml:"threshold"`
	// Margin is the minimum lead of the best person's similarity over the
	// second-best person's.
	Margin float64 `yaml:"margin"`
	// LivenessTimeout is how long a matching track waits for a liveness
	// verdict before it is denied.
	LivenessTimeout time.Duration `yaml:"liveness_timeout"`
	// TrackTimeout ends a track not seen for this long.
	TrackTimeout time.Duration `yaml:"track_timeout"`
	// FreeAttempts is how many failed tracks a door allows before backoff.
	FreeAttempts int `yaml:"free_attempts"`
	// Backoff is the first lockout after the free attempts; it doubles with
	// every further failure.
	Backoff time.Duration `yaml:"backoff"`
	// MaxBackoff caps the doubling lockout.
	MaxBackoff time.Duration `yaml:"max_backoff"`
	// ResetAfter forgets failed attempts after this long without one.
	ResetAfter time.Duration `yaml:"reset_after"`
}

// MinBackoff is the shortest lockout Validate accepts.
const MinBackoff = 30 * time.Second

// Defaults returns the default policy: 2 of 3 frames, the match threshold
// the infer package chose for a gallery of about 1,000 people
// (infer.DefaultMatchThreshold, from the shipped calibration), 3 free
// attempts then a 30 s doubling backoff capped at 15 minutes.
func Defaults() Config {
	return Config{
		K:               2,
		N:               3,
		MaxFrames:       10,
		Threshold:       0.70,
		Margin:          0.05,
		LivenessTimeout: 4 * time.Second, // liveness.DefaultConfig's Timeout: one live clip needed 4 s

		TrackTimeout: time.Second,
		FreeAttempts: 3,
		Backoff:      MinBackoff,
		MaxBackoff:   15 * time.Minute,
		ResetAfter:   15 * time.Minute,
	}
}

// Validate reports the first bad field, naming it, its value and the fix.
func (c Config) Validate() error {
	switch {
	case c.N < 1 || c.N > 30:
		return fmt.Errorf("policy.n: %d is out of range: use 1..30 frames", c.N)
	case c.K < 1 || c.K > c.N:
		return fmt.Errorf("policy.k: %d is out of range: use 1..policy.n (%d)", c.K, c.N)
	case c.MaxFrames < c.N || c.MaxFrames > 300:
		return fmt.Errorf("policy.max_frames: %d is out of range: use policy.n (%d)..300, e.g. 10", c.MaxFrames, c.N)
	case c.Threshold <= 0 || c.Threshold >= 1:
		return fmt.Errorf("policy.threshold: %g is out of range: use a cosine similarity in (0, 1), e.g. 0.45", c.Threshold)
	case c.Margin < 0 || c.Margin >= 1:
		return fmt.Errorf("policy.margin: %g is out of range: use 0 <= margin < 1, e.g. 0.05", c.Margin)
	case c.LivenessTimeout <= 0:
		return fmt.Errorf("policy.liveness_timeout: %v must be positive, e.g. 4s", c.LivenessTimeout)
	case c.TrackTimeout <= 0:
		return fmt.Errorf("policy.track_timeout: %v must be positive, e.g. 1s", c.TrackTimeout)
	case c.FreeAttempts < 1:
		return fmt.Errorf("policy.free_attempts: %d must be at least 1", c.FreeAttempts)
	case c.Backoff < MinBackoff:
		return fmt.Errorf("policy.backoff: %v is too short: use at least %v", c.Backoff, MinBackoff)
	case c.MaxBackoff < c.Backoff:
		return fmt.Errorf("policy.max_backoff: %v is below policy.backoff (%v): raise it", c.MaxBackoff, c.Backoff)
	case c.ResetAfter < c.MaxBackoff:
		return fmt.Errorf("policy.reset_after: %v is below policy.max_backoff (%v): raise it", c.ResetAfter, c.MaxBackoff)
	}
	return nil
}

// Observation is what the pipeline knows about one face of one frame.
type Observation struct {
	// Track identifies the face across frames.
	Track uint64
	// At is the frame's capture time.
	At time.Time
	// QualityReason is empty when the face passed the quality gate, else a
	// reason a user can act on. Such frames are not matched.
	QualityReason string
	// Person is the best-matching person id, empty when the gallery is empty.
	Person string
	// Score is the best person's similarity.
	Score float64
	// Second is the second-best person's similarity (0 when none).
	Second float64
	// ValidFrom and ValidUntil bound when Person may be granted (zero: open).
	ValidFrom, ValidUntil time.Time
	// Ineligible, when not empty, says why Person matched but may not be
	// granted now (e.g. "expired", "not yet valid"): the gallery's own
	// validity check. Such a track is denied for schedule.
	Ineligible string
	// Liveness is the track's liveness verdict as of this frame.
	Liveness Liveness
}

// Decision is the policy's verdict on a track.
type Decision struct {
	Outcome Outcome
	// Track is the decided track.
	Track uint64
	// Person is the matched person, if any.
	Person string
	// Score is the best similarity of the deciding frames.
	Score float64
	// FirstSeen is the capture time of the track's first frame; At is the
	// capture time of the deciding frame (grant latency starts here).
	FirstSeen, At time.Time
	// Reason explains a denial in words.
	Reason string
	// Lockout is set when this decision started a lockout.
	Lockout *Lockout
}

// Lockout describes an attempt-limiting lockout.
type Lockout struct {
	// Failures is the number of consecutive failed attempts.
	Failures int
	// Until is when attempts are accepted again.
	Until time.Time
}

type frameResult struct {
	person     string
	score      float64
	match      bool
	ineligible string
}

type track struct {
	first, last  time.Time
	window       []frameResult // last N usable frames
	usable       int
	qualityFails int
	lastQuality  string
	matchSince   time.Time // first time the consensus held while liveness was pending
	decided      bool
	// decidedFor is the person the decision was about ("" for none); post
	// holds the last N usable frames after the decision.
	decidedFor string
	post       []frameResult
}

// Engine applies the policy to the tracks of one door. It is not safe for
// concurrent use; the daemon calls it from one goroutine.
type Engine struct {
	cfg    Config
	tracks map[uint64]*track

	failures    int
	lastFailure time.Time
	lockedUntil time.Time

	doorOpen  bool
	grantedTo string
}

// New returns an Engine with a validated config.
func New(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Engine{cfg: cfg, tracks: map[uint64]*track{}}, nil
}

// SetDoorOpen tells the engine whether the door is unlocked or open (true)
// or closed and locked again (false). While it is open the person last
// granted is not granted again.
func (e *Engine) SetDoorOpen(open bool) {
	e.doorOpen = open
	if !open {
		e.grantedTo = ""
	}
}

// LockedUntil returns the end of the current lockout, zero if none.
func (e *Engine) LockedUntil(now time.Time) time.Time {
	if now.Before(e.lockedUntil) {
		return e.lockedUntil
	}
	return time.Time{}
}

// Failures returns the current count of consecutive failed attempts.
func (e *Engine) Failures() int { return e.failures }

// Observe adds one frame's observation and returns a decision when the
// track is decided by it. A decided track yields nothing more.
func (e *Engine) Observe(o Observation) (Decision, bool) {
	t := e.tracks[o.Track]
	if t == nil {
		t = &track{first: o.At}
		e.tracks[o.Track] = t
	}
	t.last = o.At
	match := o.Person != "" && o.Score >= e.cfg.Threshold && o.Score-o.Second >= e.cfg.Margin
	fr := frameResult{person: o.Person, score: o.Score, match: match, ineligible: o.Ineligible}
	if t.decided {
		// The tracker follows boxes, not identities: when the next person
		// steps into the place of the last one without a gap, the track
		// goes on. Watch the decided track and start a new attempt when its
		// frames show someone else.
		if o.QualityReason != "" || !e.someoneElse(t, fr) {
			return Decision{}, false
		}
		*t = track{first: o.At, last: o.At, window: t.post, usable: len(t.post)}
	} else {
		if o.QualityReason != "" {
			t.qualityFails++
			t.lastQuality = o.QualityReason
			return Decision{}, false
		}
		t.window = append(t.window, fr)
		if len(t.window) > e.cfg.N {
			t.window = t.window[1:]
		}
		t.usable++
	}

	person, score, ok := e.consensus(t)
	if ok {
		switch o.Liveness {
		case LivenessAttack:
			return e.decide(o.Track, t, o.At, DeniedSpoof, person, score, "liveness check: presentation attack"), true
		case LivenessTimeout:
			return e.decide(o.Track, t, o.At, DeniedLiveness, person, score, "liveness check timed out"), true
		case LivenessPending:
			if t.matchSince.IsZero() {
				t.matchSince = o.At
			}
			if o.At.Sub(t.matchSince) >= e.cfg.LivenessTimeout {
				return e.decide(o.Track, t, o.At, DeniedLiveness, person, score,
					fmt.Sprintf("no liveness verdict within %v", e.cfg.LivenessTimeout)), true
			}
			return Decision{}, false
		}
		if o.Ineligible != "" {
			return e.decide(o.Track, t, o.At, DeniedSchedule, person, score, "person not allowed now: "+o.Ineligible), true
		}
		if !o.ValidFrom.IsZero() && o.At.Before(o.ValidFrom) ||
			!o.ValidUntil.IsZero() && !o.At.Before(o.ValidUntil) {
			return e.decide(o.Track, t, o.At, DeniedSchedule, person, score, "outside the person's validity window"), true
		}
		if e.doorOpen && e.grantedTo == person {
			return e.decide(o.Track, t, o.At, AlreadyOpen, person, score, "door still open for this person"), true
		}
		return e.decide(o.Track, t, o.At, Granted, person, score, ""), true
	}
	if o.Liveness == LivenessAttack {
		who := ""
		if match {
			who = o.Person // the face presented, though not yet confirmed
		}
		return e.decide(o.Track, t, o.At, DeniedSpoof, who, o.Score, "liveness check: presentation attack"), true
	}
	if t.usable >= e.cfg.MaxFrames {
		return e.decide(o.Track, t, o.At, DeniedUnknown, "", bestScore(t.window),
			fmt.Sprintf("no person matched %d of %d frames in %d frames", e.cfg.K, e.cfg.N, t.usable)), true
	}
	return Decision{}, false
}

// EndTrack closes a track the tracker lost. An undecided track with usable
// frames is denied as unknown; one with only poor-quality frames is denied
// for quality.
func (e *Engine) EndTrack(id uint64, now time.Time) (Decision, bool) {
	t := e.tracks[id]
	if t == nil {
		return Decision{}, false
	}
	delete(e.tracks, id)
	if t.decided {
		return Decision{}, false
	}
	t.decided = true
	if t.usable > 0 {
		return e.decide(id, t, now, DeniedUnknown, "", bestScore(t.window), "face left before a match"), true
	}
	if t.qualityFails > 0 {
		return e.decide(id, t, now, DeniedQuality, "", 0, t.lastQuality), true
	}
	return Decision{}, false
}

// Expire ends every track not seen for the track timeout and returns their
// decisions.
func (e *Engine) Expire(now time.Time) []Decision {
	var out []Decision
	for id, t := range e.tracks {
		if now.Sub(t.last) >= e.cfg.TrackTimeout {
			if d, ok := e.EndTrack(id, now); ok {
				out = append(out, d)
			}
		}
	}
	return out
}

// consensus returns the person matching at least K of the window's frames.
func (e *Engine) consensus(t *track) (string, float64, bool) {
	counts := map[string]int{}
	best := map[string]float64{}
	for _, f := range t.window {
		if f.match {
			counts[f.person]++
			best[f.person] = max(best[f.person], f.score)
		}
	}
	for p, n := range counts {
		if n >= e.cfg.K {
			return p, best[p], true
		}
	}
	return "", 0, false
}

func bestScore(w []frameResult) float64 {
	var s float64
	for _, f := range w {
		s = max(s, f.score)
	}
	return s
}

// someoneElse adds a post-decision frame and reports whether the track now
// shows a different person than the decision was about: K of the last N
// frames matching another person, or (after a decision about a person) 2N
// frames in a row none of which matches that person — twice the evidence,
// so a granted person glancing away is not taken for a stranger. On true,
// t.post holds the last N frames, which start the new attempt.
func (e *Engine) someoneElse(t *track, fr frameResult) bool {
	t.post = append(t.post, fr)
	if len(t.post) > 2*e.cfg.N {
		t.post = t.post[1:]
	}
	last := t.post[max(0, len(t.post)-e.cfg.N):]
	if p, _, ok := e.consensus(&track{window: last}); ok && p != t.decidedFor {
		t.post = last
		return true
	}
	if t.decidedFor == "" || len(t.post) < 2*e.cfg.N {
		return false
	}
	for _, f := range t.post {
		if f.match && f.person == t.decidedFor {
			return false
		}
	}
	t.post = last
	return true
}

// decide finalises a track, applying the lockout and attempt counting.
func (e *Engine) decide(id uint64, t *track, now time.Time, out Outcome, person string, score float64, reason string) Decision {
	t.decided = true
	t.decidedFor = person
	t.post = nil
	d := Decision{Outcome: out, Track: id, Person: person, Score: score, FirstSeen: t.first, At: now, Reason: reason}
	if e.failures > 0 && !e.lastFailure.IsZero() && now.Sub(e.lastFailure) >= e.cfg.ResetAfter {
		e.failures = 0
	}
	if now.Before(e.lockedUntil) && out != AlreadyOpen {
		d.Outcome = LockedOut
		d.Reason = fmt.Sprintf("too many failed attempts: locked out until %s (%v left); would have been %s",
			e.lockedUntil.Format(time.RFC3339), e.lockedUntil.Sub(now).Round(time.Second), out)
		return d
	}
	switch {
	case out == Granted:
		e.failures = 0
		e.doorOpen = true
		e.grantedTo = person
	case out.CountsAsAttempt():
		e.failures++
		e.lastFailure = now
		if e.failures >= e.cfg.FreeAttempts {
			// The attempt after the free ones waits Backoff; each further
			// failure doubles the wait.
			wait := e.cfg.Backoff
			for i := e.cfg.FreeAttempts; i < e.failures && wait < e.cfg.MaxBackoff; i++ {
				wait *= 2
			}
			wait = min(wait, e.cfg.MaxBackoff)
			e.lockedUntil = now.Add(wait)
			d.Lockout = &Lockout{Failures: e.failures, Until: e.lockedUntil}
		}
	}
	return d
}
