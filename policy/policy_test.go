package policy

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)

// frame is a compact observation for tables: ms after t0, track, person,
// score, second-best score, quality reason, liveness.
type frame struct {
	ms      int
	track   uint64
	person  string
	score   float64
	second  float64
	quality string
	live    Liveness
}

func (f frame) obs() Observation {
	return Observation{Track: f.track, At: t0.Add(time.Duration(f.ms) * time.Millisecond), Person: f.person,
		Score: f.score, Second: f.second, QualityReason: f.quality, Liveness: f.live}
}

func mustNew(t *testing.T, c Config) *Engine {
	t.Helper()
	e, err := New(c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

// run feeds frames and returns the outcomes in order, as "track:outcome:person".
func run(e *Engine, frames []frame) []string {
	var got []string
	for _, f := range frames {
		if d, ok := e.Observe(f.obs()); ok {
			got = append(got, describe(d))
		}
	}
	return got
}

func describe(d Decision) string {
	s := string(d.Outcome) + ":" + d.Person
	if d.Lockout != nil {
		s += "+lockout"
	}
	return s
}

func TestConsensus(t *testing.T) {
	tests := []struct {
		name   string
		frames []frame
		want   []string
	}{
		{"two of three grants on second match", []frame{
			{0, 1, "alice", 0.7, 0.1, "", LivenessOff},
			{33, 1, "alice", 0.72, 0.1, "", LivenessOff},
		}, []string{"granted:alice"}},
		{"match, miss, match grants", []frame{
			{0, 1, "alice", 0.7, 0.1, "", LivenessOff},
			{33, 1, "alice", 0.2, 0.1, "", LivenessOff},
			{66, 1, "alice", 0.7, 0.1, "", LivenessOff},
		}, []string{"granted:alice"}},
		{"below threshold three times denies unknown", []frame{
			{0, 1, "alice", 0.3, 0.1, "", LivenessOff},
			{33, 1, "alice", 0.44, 0.1, "", LivenessOff},
			{66, 1, "alice", 0.2, 0.1, "", LivenessOff},
		}, []string{"denied-unknown:"}},
		{"no margin over second-best denies", []frame{
			{0, 1, "alice", 0.7, 0.68, "", LivenessOff},
			{33, 1, "alice", 0.7, 0.67, "", LivenessOff},
			{66, 1, "alice", 0.7, 0.69, "", LivenessOff},
		}, []string{"denied-unknown:"}},
		{"two different people never reach consensus", []frame{
			{0, 1, "alice", 0.7, 0.1, "", LivenessOff},
			{33, 1, "bob", 0.7, 0.1, "", LivenessOff},
			{66, 1, "carol", 0.7, 0.1, "", LivenessOff},
		}, []string{"denied-unknown:"}},
		{"empty gallery denies", []frame{
			{0, 1, "", 0, 0, "", LivenessOff},
			{33, 1, "", 0, 0, "", LivenessOff},
			{66, 1, "", 0, 0, "", LivenessOff},
		}, []string{"denied-unknown:"}},
		{"poor-quality frames are not counted", []frame{
			{0, 1, "", 0, 0, "face too small", LivenessOff},
			{33, 1, "", 0, 0, "face too small", LivenessOff},
			{66, 1, "", 0, 0, "face too small", LivenessOff},
			{99, 1, "alice", 0.7, 0.1, "", LivenessOff},
			{132, 1, "alice", 0.7, 0.1, "", LivenessOff},
		}, []string{"granted:alice"}},
		{"tracks are independent and decided once", []frame{
			{0, 1, "alice", 0.7, 0.1, "", LivenessOff},
			{0, 2, "bob", 0.7, 0.1, "", LivenessOff},
			{33, 1, "alice", 0.7, 0.1, "", LivenessOff},
			{33, 2, "bob", 0.7, 0.1, "", LivenessOff},
			{66, 1, "alice", 0.7, 0.1, "", LivenessOff},
		}, []string{"granted:alice", "granted:bob"}},
		{"liveness pending waits, then live grants", []frame{
			{0, 1, "alice", 0.7, 0.1, "", LivenessPending},
			{33, 1, "alice", 0.7, 0.1, "", LivenessPending},
			{66, 1, "alice", 0.7, 0.1, "", LivenessPending},
			{99, 1, "alice", 0.7, 0.1, "", LivenessLive},
		}, []string{"granted:alice"}},
		{"liveness attack denies spoof", []frame{
			{0, 1, "alice", 0.7, 0.1, "", LivenessPending},
			{33, 1, "alice", 0.7, 0.1, "", LivenessAttack},
		}, []string{"denied-spoof:alice"}},
		{"liveness never decides: timeout", []frame{
			{0, 1, "alice", 0.7, 0.1, "", LivenessPending},
			{33, 1, "alice", 0.7, 0.1, "", LivenessPending},
			{1000, 1, "alice", 0.7, 0.1, "", LivenessPending},
			{4033, 1, "alice", 0.7, 0.1, "", LivenessPending},
		}, []string{"denied-liveness:alice"}},
		{"liveness evaluator timeout", []frame{
			{0, 1, "alice", 0.7, 0.1, "", LivenessPending},
			{33, 1, "alice", 0.7, 0.1, "", LivenessTimeout},
		}, []string{"denied-liveness:alice"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := run(mustNew(t, quick()), tc.frames)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("decisions = %v, want %v", got, tc.want)
			}
		})
	}
}

// quick is Defaults with tracks denied after N usable frames.
func quick() Config {
	c := Defaults()
	c.MaxFrames = c.N
	return c
}

func TestMaxFrames(t *testing.T) {
	e := mustNew(t, Defaults())
	// A walk-up: far away (no match) for 7 frames, then close enough.
	var got []string
	for i := range 10 {
		score := 0.5
		if i >= 7 {
			score = 0.8
		}
		if d, ok := e.Observe(Observation{Track: 1, At: t0.Add(time.Duration(i) * 66 * time.Millisecond), Person: "alice", Score: score}); ok {
			got = append(got, describe(d))
		}
	}
	if strings.Join(got, ",") != "granted:alice" {
		t.Errorf("walk-up: %v, want granted:alice after the far frames", got)
	}
	// Ten frames without a match: denied on the tenth.
	for i := range 10 {
		d, ok := e.Observe(Observation{Track: 2, At: t0.Add(time.Duration(i) * 66 * time.Millisecond), Person: "alice", Score: 0.3})
		if ok != (i == 9) {
			t.Fatalf("frame %d: decided %v (%v), want a decision on frame 10 only", i+1, ok, d.Outcome)
		}
		if ok && d.Outcome != DeniedUnknown {
			t.Errorf("frame 10: %v, want denied-unknown", d.Outcome)
		}
	}
}

func TestValidityWindow(t *testing.T) {
	tests := []struct {
		name        string
		from, until time.Time
		ineligible  string
		want        Outcome
	}{
		{"open window", time.Time{}, time.Time{}, "", Granted},
		{"inside", t0.Add(-time.Hour), t0.Add(time.Hour), "", Granted},
		{"not yet valid", t0.Add(time.Hour), time.Time{}, "", DeniedSchedule},
		{"expired", time.Time{}, t0, "", DeniedSchedule},
		{"gallery says expired", time.Time{}, time.Time{}, "expired", DeniedSchedule},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := mustNew(t, Defaults())
			var d Decision
			var ok bool
			for i := range 2 {
				o := frame{i * 33, 1, "alice", 0.7, 0.1, "", LivenessOff}.obs()
				o.ValidFrom, o.ValidUntil, o.Ineligible = tc.from, tc.until, tc.ineligible
				d, ok = e.Observe(o)
			}
			if !ok || d.Outcome != tc.want {
				t.Errorf("decision = %v (decided %v), want %v", d.Outcome, ok, tc.want)
			}
			if tc.want == DeniedSchedule && e.Failures() != 0 {
				t.Errorf("schedule denial counted as failed attempt: failures = %d", e.Failures())
			}
		})
	}
}

func TestNoRegrantWhileOpen(t *testing.T) {
	e := mustNew(t, Defaults())
	grant := func(track uint64, ms int, person string) Outcome {
		var d Decision
		var ok bool
		for i := range 2 {
			d, ok = e.Observe(frame{ms + i*33, track, person, 0.7, 0.1, "", LivenessOff}.obs())
		}
		if !ok {
			t.Fatalf("track %d undecided", track)
		}
		return d.Outcome
	}
	if got := grant(1, 0, "alice"); got != Granted {
		t.Fatalf("first: %v, want granted", got)
	}
	if got := grant(2, 500, "alice"); got != AlreadyOpen {
		t.Errorf("alice again while open: %v, want %v", got, AlreadyOpen)
	}
	if got := grant(3, 600, "bob"); got != Granted {
		t.Errorf("bob while open for alice: %v, want granted", got)
	}
	e.SetDoorOpen(false)
	if got := grant(4, 6000, "alice"); got != Granted {
		t.Errorf("alice after relock: %v, want granted", got)
	}
}

// stranger runs one non-matching track at the given time.
func stranger(t *testing.T, e *Engine, track uint64, at time.Duration) Decision {
	t.Helper()
	var d Decision
	var ok bool
	for i := range 3 {
		d, ok = e.Observe(Observation{Track: track, At: t0.Add(at + time.Duration(i)*33*time.Millisecond), Person: "alice", Score: 0.1})
	}
	if !ok {
		t.Fatalf("stranger track %d undecided", track)
	}
	return d
}

func TestAttemptLimiting(t *testing.T) {
	e := mustNew(t, quick())
	// Three free attempts; the third failure starts a 30 s lockout.
	for i := range 3 {
		d := stranger(t, e, uint64(i+1), time.Duration(i)*time.Second)
		if d.Outcome != DeniedUnknown {
			t.Fatalf("attempt %d: %v, want denied-unknown", i+1, d.Outcome)
		}
		if (d.Lockout != nil) != (i == 2) {
			t.Fatalf("attempt %d: lockout %+v, want one only on the third", i+1, d.Lockout)
		}
	}
	third := t0.Add(2*time.Second + 66*time.Millisecond)
	if got, want := e.LockedUntil(third), third.Add(30*time.Second); !got.Equal(want) {
		t.Fatalf("locked until %v, want %v", got, want)
	}
	// During the lockout even the enrolled person is refused, and the
	// refusal does not extend the lockout.
	var d Decision
	for i := range 2 {
		d, _ = e.Observe(Observation{Track: 10, At: third.Add(10*time.Second + time.Duration(i)*time.Millisecond), Person: "alice", Score: 0.8})
	}
	if d.Outcome != LockedOut || !strings.Contains(d.Reason, "granted") {
		t.Fatalf("grant during lockout: %v %q, want locked-out mentioning the grant", d.Outcome, d.Reason)
	}
	if e.Failures() != 3 {
		t.Errorf("failures = %d after locked-out decision, want 3", e.Failures())
	}
	// After it, a fourth failure locks for 60 s, a fifth for 120 s.
	at := 2*time.Second + 66*time.Millisecond + 31*time.Second
	for i, want := range []time.Duration{60 * time.Second, 120 * time.Second} {
		d := stranger(t, e, uint64(20+i), at)
		if d.Lockout == nil {
			t.Fatalf("failure %d: no lockout", 4+i)
		}
		if got := d.Lockout.Until.Sub(d.At); got != want {
			t.Errorf("failure %d: lockout %v, want %v", 4+i, got, want)
		}
		at += want + time.Second
	}
	// A grant resets the count.
	for i := range 2 {
		d, _ = e.Observe(Observation{Track: 30, At: t0.Add(at + time.Duration(i)*time.Millisecond), Person: "alice", Score: 0.8})
	}
	if d.Outcome != Granted || e.Failures() != 0 {
		t.Errorf("after lockout: %v with %d failures, want granted and 0", d.Outcome, e.Failures())
	}
}

func TestBackoffCapAndReset(t *testing.T) {
	c := quick()
	c.MaxBackoff = 2 * time.Minute
	c.ResetAfter = 10 * time.Minute
	e := mustNew(t, c)
	at := time.Duration(0)
	var last time.Duration
	for i := range 8 {
		d := stranger(t, e, uint64(i+1), at)
		if d.Lockout != nil {
			last = d.Lockout.Until.Sub(d.At)
			if last > c.MaxBackoff {
				t.Fatalf("failure %d: lockout %v above cap %v", i+1, last, c.MaxBackoff)
			}
			at += last
		}
		at += time.Second
	}
	if last != c.MaxBackoff {
		t.Errorf("final lockout %v, want the cap %v", last, c.MaxBackoff)
	}
	// Quiet for ResetAfter: the next failure is free again.
	d := stranger(t, e, 100, at+c.ResetAfter)
	if d.Lockout != nil || e.Failures() != 1 {
		t.Errorf("after quiet period: lockout %+v, failures %d; want none and 1", d.Lockout, e.Failures())
	}
}

func TestEndTrack(t *testing.T) {
	tests := []struct {
		name   string
		frames []frame
		want   string
	}{
		{"one usable frame then gone", []frame{{0, 1, "alice", 0.3, 0, "", LivenessOff}}, "denied-unknown:"},
		{"only poor quality", []frame{{0, 1, "", 0, 0, "too dark", LivenessOff}}, "denied-quality:"},
		{"already decided", []frame{{0, 1, "alice", 0.9, 0, "", LivenessOff}, {1, 1, "alice", 0.9, 0, "", LivenessOff}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := mustNew(t, Defaults())
			run(e, tc.frames)
			got := ""
			if ds := e.Expire(t0.Add(5 * time.Second)); len(ds) > 0 {
				got = describe(ds[0])
			}
			if got != tc.want {
				t.Errorf("expire: %q, want %q", got, tc.want)
			}
			if len(e.tracks) != 0 {
				t.Errorf("%d tracks left after expiry", len(e.tracks))
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		field  string
	}{
		{"defaults", func(*Config) {}, ""},
		{"k above n", func(c *Config) { c.K = 4 }, "policy.k"},
		{"max frames below n", func(c *Config) { c.MaxFrames = 2 }, "policy.max_frames"},
		{"zero n", func(c *Config) { c.N = 0 }, "policy.n"},
		{"threshold 1", func(c *Config) { c.Threshold = 1 }, "policy.threshold"},
		{"negative margin", func(c *Config) { c.Margin = -0.1 }, "policy.margin"},
		{"short backoff", func(c *Config) { c.Backoff = 10 * time.Second }, "policy.backoff"},
		{"cap below backoff", func(c *Config) { c.MaxBackoff = 20 * time.Second; c.Backoff = 30 * time.Second }, "policy.max_backoff"},
		{"no free attempts", func(c *Config) { c.FreeAttempts = 0 }, "policy.free_attempts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Defaults()
			tc.mutate(&c)
			err := c.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.field+":") {
				t.Errorf("Validate = %v, want an error naming %s", err, tc.field)
			}
		})
	}
}

func TestSamePlaceNextPerson(t *testing.T) {
	tests := []struct {
		name   string
		frames []frame
		want   []string
	}{
		{"granted person replaced by another enrolled person", []frame{
			{0, 1, "alice", 0.8, 0.1, "", LivenessOff},
			{33, 1, "alice", 0.8, 0.1, "", LivenessOff},
			{66, 1, "bob", 0.8, 0.1, "", LivenessOff},
			{99, 1, "bob", 0.8, 0.1, "", LivenessOff},
		}, []string{"granted:alice", "granted:bob"}},
		{"granted person replaced by a stranger: 2n non-matching frames", []frame{
			{0, 1, "alice", 0.8, 0.1, "", LivenessOff},
			{33, 1, "alice", 0.8, 0.1, "", LivenessOff},
			{66, 1, "alice", 0.2, 0.1, "", LivenessOff},
			{99, 1, "alice", 0.2, 0.1, "", LivenessOff},
			{132, 1, "alice", 0.2, 0.1, "", LivenessOff},
			{165, 1, "alice", 0.2, 0.1, "", LivenessOff},
			{198, 1, "alice", 0.2, 0.1, "", LivenessOff},
			{231, 1, "alice", 0.2, 0.1, "", LivenessOff},
		}, []string{"granted:alice", "denied-unknown:"}},
		{"granted person glancing away is not a new attempt", []frame{
			{0, 1, "alice", 0.8, 0.1, "", LivenessOff},
			{33, 1, "alice", 0.8, 0.1, "", LivenessOff},
			{66, 1, "alice", 0.2, 0.1, "", LivenessOff},
			{99, 1, "alice", 0.2, 0.1, "", LivenessOff},
			{132, 1, "alice", 0.2, 0.1, "", LivenessOff},
			{165, 1, "alice", 0.7, 0.1, "", LivenessOff},
			{198, 1, "alice", 0.2, 0.1, "", LivenessOff},
		}, []string{"granted:alice"}},
		{"stranger staying in view is one attempt", []frame{
			{0, 1, "alice", 0.2, 0.1, "", LivenessOff},
			{33, 1, "alice", 0.2, 0.1, "", LivenessOff},
			{66, 1, "alice", 0.2, 0.1, "", LivenessOff},
			{99, 1, "alice", 0.2, 0.1, "", LivenessOff},
			{132, 1, "alice", 0.2, 0.1, "", LivenessOff},
			{165, 1, "alice", 0.2, 0.1, "", LivenessOff},
			{198, 1, "alice", 0.2, 0.1, "", LivenessOff},
		}, []string{"denied-unknown:"}},
		{"photo attack held in view is one attempt", []frame{
			{0, 1, "alice", 0.8, 0.1, "", LivenessAttack},
			{33, 1, "alice", 0.8, 0.1, "", LivenessAttack},
			{66, 1, "alice", 0.8, 0.1, "", LivenessAttack},
			{99, 1, "alice", 0.8, 0.1, "", LivenessAttack},
		}, []string{"denied-spoof:alice"}},
		{"stranger replaced by an enrolled person", []frame{
			{0, 1, "alice", 0.2, 0.1, "", LivenessOff},
			{33, 1, "alice", 0.2, 0.1, "", LivenessOff},
			{66, 1, "alice", 0.2, 0.1, "", LivenessOff},
			{99, 1, "bob", 0.8, 0.1, "", LivenessOff},
			{132, 1, "bob", 0.8, 0.1, "", LivenessOff},
		}, []string{"denied-unknown:", "granted:bob"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := run(mustNew(t, quick()), tc.frames)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("decisions = %v, want %v", got, tc.want)
			}
		})
	}
}
