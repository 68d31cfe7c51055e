package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"sync"
	"time"

	"github.com/facegate/facegate/infer/track"
	"github.com/facegate/facegate/metrics"
	"github.com/facegate/facegate/policy"
)

// frame is one camera image handed from capture to the pipeline.
type frame struct {
	img *image.RGBA
	// at is the capture timestamp (monotonic); grant latency starts here.
	at  time.Time
	seq uint64
	// release returns the image buffer to its source; nil if not pooled.
	release func()
}

func (f frame) done() {
	if f.release != nil {
		f.release()
	}
}

// frameSource delivers frames; capture.Source behind an adapter.
type frameSource interface {
	Next(ctx context.Context) (frame, error)
	Close() error
}

// face is one face found in a frame.
type face struct {
	det track.Detection
	// quality is empty when the face passed the quality gate, else the
	// reason it did not (no embedding then).
	quality string
	emb     []float32
}

// faceFinder runs detect → quality → align → embed on a frame. stage is
// called with each stage's duration for the latency histograms.
type faceFinder interface {
	Faces(ctx context.Context, img *image.RGBA, stage func(name string, d time.Duration)) ([]face, error)
}

// match is one gallery search result.
type match struct {
	person                string
	score                 float64
	validFrom, validUntil time.Time
	// excluded says why person matched but may not be granted now.
	excluded string
}

// matcher searches the gallery: best and second-best person.
type matcher interface {
	Match(emb []float32) (best, second match, err error)
}

// livenessJudge accumulates liveness cues per track.
type livenessJudge interface {
	Observe(tr track.Track, img *image.RGBA, at time.Time) policy.Liveness
	End(id uint64)
}

// doorCommander releases the lock for one grant.
type doorCommander interface {
	Grant(ctx context.Context, reason string) error
}

// decisionRecord is a decision as the daemon reports it.
type decisionRecord struct {
	policy.Decision
	// Latency is frame capture → door command, set for grants only.
	Latency time.Duration
	// FrameSeq is the deciding frame.
	FrameSeq uint64
}

// pipeline turns frames into decisions and door commands. process is
// called from one goroutine.
type pipeline struct {
	log      *slog.Logger
	finder   faceFinder
	matcher  matcher
	liveness livenessJudge // nil when liveness.mode is off
	door     doorCommander
	tracker  *track.Tracker
	policy   *policy.Engine
	m        *daemonMetrics
	// decided is called for every decision (events, demo view).
	decided func(decisionRecord)
	// now is the clock for latency; time.Now outside tests.
	now func() time.Time
}

// process runs one frame through the pipeline and returns how many faces
// were embedded (found and passed the quality gate).
func (p *pipeline) process(ctx context.Context, f frame) (int, error) {
	faces, err := p.finder.Faces(ctx, f.img, p.m.stage)
	if err != nil {
		return 0, fmt.Errorf("frame %d: %w", f.seq, err)
	}
	dets := make([]track.Detection, len(faces))
	for i, fc := range faces {
		dets[i] = fc.det
	}
	start := p.now()
	tracks, ended := p.tracker.Update(f.at, dets)
	for _, id := range ended {
		if p.liveness != nil {
			p.liveness.End(id)
		}
		if d, ok := p.policy.EndTrack(id, f.at); ok {
			p.report(ctx, decisionRecord{Decision: d, FrameSeq: f.seq})
		}
	}
	for i, tr := range tracks { // tracks[i] is faces[i]'s track
		fc := faces[i]
		o := policy.Observation{Track: tr.ID, At: f.at, QualityReason: fc.quality}
		if fc.quality != "" {
			p.log.Debug("face refused by the quality gate", "track", tr.ID, "reason", fc.quality)
		}
		if fc.quality == "" {
			best, second, err := p.matcher.Match(fc.emb)
			if err != nil {
				return 0, fmt.Errorf("frame %d: gallery: %w", f.seq, err)
			}
			o.Person, o.Score, o.Second = best.person, best.score, second.score
			o.ValidFrom, o.ValidUntil, o.Ineligible = best.validFrom, best.validUntil, best.excluded
		}
		if p.liveness != nil {
			o.Liveness = p.liveness.Observe(tr, f.img, f.at)
		}
		d, ok := p.policy.Observe(o)
		if !ok {
			continue
		}
		rec := decisionRecord{Decision: d, FrameSeq: f.seq}
		if d.Outcome == policy.Granted {
			if err := p.door.Grant(ctx, "face:"+d.Person); err != nil {
				// The decision stands but the door did not open: say so.
				p.log.Error("door grant failed", "person", d.Person, "err", err)
				rec.Reason = "door command failed: " + err.Error()
			}
			rec.Latency = p.now().Sub(f.at)
			p.m.grantLatency.Observe(rec.Latency.Seconds())
		}
		p.report(ctx, rec)
	}
	for _, d := range p.policy.Expire(f.at) {
		p.report(ctx, decisionRecord{Decision: d, FrameSeq: f.seq})
	}
	p.m.stage("decide", p.now().Sub(start))
	embedded := 0
	for _, fc := range faces {
		if fc.emb != nil {
			embedded++
		}
	}
	if embedded > 0 {
		p.m.faceFrameLatency.Observe(p.now().Sub(f.at).Seconds())
	}
	return embedded, nil
}

func (p *pipeline) report(_ context.Context, rec decisionRecord) {
	p.m.decisions.With(string(rec.Outcome)).Inc()
	if rec.Lockout != nil {
		p.m.lockouts.Inc()
	}
	if p.decided != nil {
		p.decided(rec)
	}
}

// latest is a one-slot mailbox: Put replaces an unread value (latest frame
// wins) so a slow pipeline never queues frames.
type latest[T any] struct {
	mu    sync.Mutex
	v     T
	full  bool
	ready chan struct{} // cap 1: signalled when full
}

func newLatest[T any]() *latest[T] { return &latest[T]{ready: make(chan struct{}, 1)} }

// Put stores v and returns the unread value it replaced, if any.
func (l *latest[T]) Put(v T) (old T, dropped bool) {
	l.mu.Lock()
	old, dropped = l.v, l.full
	l.v, l.full = v, true
	l.mu.Unlock()
	select {
	case l.ready <- struct{}{}:
	default:
	}
	return old, dropped
}

// Get waits for a value.
func (l *latest[T]) Get(ctx context.Context) (T, error) {
	for {
		l.mu.Lock()
		if l.full {
			v := l.v
			var zero T
			l.v, l.full = zero, false
			l.mu.Unlock()
			return v, nil
		}
		l.mu.Unlock()
		select {
		case <-l.ready:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
}

// errEndOfReplay ends a finite replay (the demo's --check mode).
var errEndOfReplay = errors.New("end of replay")

// daemonMetrics are the series the daemon exports.
type daemonMetrics struct {
	reg           *metrics.Registry
	framesIn      *metrics.Counter
	framesDropped *metrics.Counter
	stages        *metrics.HistogramVec
	decisions     *metrics.CounterVec
	lockouts      *metrics.Counter
	grantLatency  *metrics.Histogram
	// faceFrameLatency is capture → decision for frames with an embedded face.
	faceFrameLatency *metrics.Histogram
	outboxDepth      *metrics.Gauge
	mqttConnected    *metrics.Gauge
	doorLocked       *metrics.Gauge
	doorOpen         *metrics.Gauge
	doorEvents       *metrics.CounterVec
}

func newDaemonMetrics() *daemonMetrics {
	r := metrics.NewRegistry()
	return &daemonMetrics{
		reg:              r,
		framesIn:         r.Counter("facegate_frames_total", "Frames read from the camera."),
		framesDropped:    r.Counter("facegate_frames_dropped_total", "Frames dropped because the pipeline was busy (latest frame wins)."),
		stages:           r.HistogramVec("facegate_stage_seconds", "Per-stage processing time in seconds.", "stage", metrics.LatencyBuckets),
		decisions:        r.CounterVec("facegate_decisions_total", "Access decisions by outcome.", "outcome"),
		lockouts:         r.Counter("facegate_lockouts_total", "Attempt-limiting lockouts started."),
		grantLatency:     r.Histogram("facegate_grant_latency_seconds", "Frame capture to door command, per grant, in seconds.", metrics.LatencyBuckets),
		faceFrameLatency: r.Histogram("facegate_face_frame_latency_seconds", "Frame capture to policy decision, for frames with a face detected, checked and embedded, in seconds.", metrics.LatencyBuckets),
		outboxDepth:      r.Gauge("facegate_outbox_depth", "Events waiting in the durable outbox."),
		mqttConnected:    r.Gauge("facegate_mqtt_connected", "1 while connected to the MQTT broker."),
		doorLocked:       r.Gauge("facegate_door_locked", "1 while the lock is at its locked level."),
		doorOpen:         r.Gauge("facegate_door_open", "1 while the door contact reads open."),
		doorEvents:       r.CounterVec("facegate_door_events_total", "Door controller events by kind.", "kind"),
	}
}

func (m *daemonMetrics) stage(name string, d time.Duration) {
	m.stages.With(name).Observe(d.Seconds())
}
