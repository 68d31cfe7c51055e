package main

import (
	"context"
	"errors"
	"image"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/facegate/facegate/door"
	"github.com/facegate/facegate/gallery"
	"github.com/facegate/facegate/infer"
	"github.com/facegate/facegate/infer/track"
	"github.com/facegate/facegate/policy"
)

// order records the shutdown steps of the fakes.
type order struct {
	mu    sync.Mutex
	steps []string
}

func (o *order) add(s string) {
	o.mu.Lock()
	o.steps = append(o.steps, s)
	o.mu.Unlock()
}

// fakeSource replays scripted frames: each entry is the faces of one frame.
type fakeSource struct {
	frames [][]face
	n      int
	img    *image.RGBA
}

func (s *fakeSource) Next(ctx context.Context) (frame, error) {
	if s.n >= len(s.frames) {
		return frame{}, errEndOfReplay
	}
	s.n++
	return frame{img: s.img, at: time.Now(), seq: uint64(s.n)}, nil
}
func (s *fakeSource) Close() error { return nil }

// fakeFinder returns the scripted faces of the frame the source last gave.
type fakeFinder struct{ src *fakeSource }

func (f fakeFinder) Faces(_ context.Context, _ *image.RGBA, stage func(string, time.Duration)) ([]face, error) {
	stage("infer", time.Millisecond)
	return f.src.frames[f.src.n-1], nil
}

// fakeMatcher: emb[0] is the similarity to "alice", emb[1] to "bob".
type fakeMatcher struct{}

func (fakeMatcher) Match(emb []float32) (match, match, error) {
	a, b := match{person: "alice", score: float64(emb[0])}, match{person: "bob", score: float64(emb[1])}
	if b.score > a.score {
		a, b = b, a
	}
	return a, b, nil
}

type fakeDoor struct {
	o      *order
	mu     sync.Mutex
	grants []string
	events chan door.Event
}

func (d *fakeDoor) Grant(_ context.Context, reason string) error {
	d.mu.Lock()
	d.grants = append(d.grants, reason)
	d.mu.Unlock()
	d.events <- door.Event{Kind: door.KindGrantedUnlock, Locked: false, ContactOK: true}
	return nil
}
func (d *fakeDoor) Run(ctx context.Context) error {
	<-ctx.Done()
	d.o.add("door locked")
	return nil
}
func (d *fakeDoor) Events() <-chan door.Event { return d.events }

type fakeSink struct {
	o      *order
	mu     sync.Mutex
	events []string
}

func (s *fakeSink) Run(ctx context.Context) error {
	<-ctx.Done()
	s.o.add("disconnect")
	return nil
}
func (s *fakeSink) Publish(_ context.Context, typ string, data any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := data.(map[string]any); ok && typ == "access" {
		typ += ":" + m["decision"].(string)
	}
	s.events = append(s.events, typ)
	return nil
}
func (s *fakeSink) Flush(context.Context) error { s.o.add("flush"); return nil }
func (s *fakeSink) Close() error                { s.o.add("close"); return nil }
func (s *fakeSink) Connected() bool             { return true }
func (s *fakeSink) Depth() int                  { return 0 }

func faceAt(x float64, alice, bob float32) face {
	return face{det: track.Detection{Box: track.Box{MinX: x, MinY: 100, MaxX: x + 100, MaxY: 220}}, emb: []float32{alice, bob}}
}

func testConfig() Config {
	cfg := defaultConfig()
	cfg.Metrics.Listen = ""
	return cfg
}

func TestRunDecidesAndShutsDownInOrder(t *testing.T) {
	o := &order{}
	src := &fakeSource{img: image.NewRGBA(image.Rect(0, 0, 8, 8)), frames: [][]face{
		{faceAt(50, 0.9, 0.1)},   // alice walks up on the left
		{faceAt(52, 0.8, 0.2)},   // second match: granted
		{faceAt(54, 0.9, 0.1)},   // same track, already decided
		{},                       //
		{faceAt(400, 0.1, 0.05)}, // a stranger on the right
		{faceAt(402, 0.2, 0.1)},  //
		{faceAt(404, 0.15, 0.1)}, // three non-matching frames: denied
		{faceAt(200, 0.5, 0.48), faceAt(600, 0, 0)}, // alice and bob too close: no margin
	}}
	d := &fakeDoor{o: o, events: make(chan door.Event, 16)}
	sink := &fakeSink{o: o}
	var recs []decisionRecord
	h := &runHooks{
		comps:    &components{source: src, finder: fakeFinder{src}, matcher: fakeMatcher{}, door: d, events: sink},
		lockstep: true,
		trackGap: time.Hour,
		decided:  func(r decisionRecord) { recs = append(recs, r) },
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := runDaemon(context.Background(), testConfig(), log, h); err != nil {
		t.Fatalf("runDaemon: %v", err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, string(r.Outcome)+":"+r.Person)
	}
	want := []string{"granted:alice", "denied-unknown:", "denied-unknown:", "denied-unknown:"}
	if len(got) != len(want) {
		t.Fatalf("decisions = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("decision %d = %s, want %s", i, got[i], want[i])
		}
	}
	if recs[0].Latency <= 0 || recs[0].FrameSeq != 2 {
		t.Errorf("grant latency %v at frame %d, want > 0 at frame 2", recs[0].Latency, recs[0].FrameSeq)
	}
	if len(d.grants) != 1 || d.grants[0] != "face:alice" {
		t.Errorf("door grants = %v, want [face:alice]", d.grants)
	}
	wantOrder := []string{"door locked", "flush", "disconnect", "close"}
	if len(o.steps) != len(wantOrder) {
		t.Fatalf("shutdown steps = %v, want %v", o.steps, wantOrder)
	}
	for i := range wantOrder {
		if o.steps[i] != wantOrder[i] {
			t.Errorf("shutdown step %d = %s, want %s (all: %v)", i, o.steps[i], wantOrder[i], o.steps)
		}
	}
	access := 0
	for _, e := range sink.events {
		if len(e) > 6 && e[:6] == "access" {
			access++
		}
	}
	if access != len(want) {
		t.Errorf("access events = %d (%v), want %d", access, sink.events, len(want))
	}
}

func TestRunStopsOnSourceError(t *testing.T) {
	o := &order{}
	d := &fakeDoor{o: o, events: make(chan door.Event, 1)}
	sink := &fakeSink{o: o}
	h := &runHooks{comps: &components{source: errSource{}, finder: fakeFinder{}, matcher: fakeMatcher{}, door: d, events: sink}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	err := runDaemon(context.Background(), testConfig(), log, h)
	if err == nil || !errors.Is(err, errCamera) {
		t.Fatalf("runDaemon = %v, want the camera error", err)
	}
	if len(o.steps) == 0 || o.steps[0] != "door locked" {
		t.Errorf("shutdown steps = %v, want the door locked first", o.steps)
	}
}

var errCamera = errors.New("camera unplugged")

type errSource struct{}

func (errSource) Next(context.Context) (frame, error) { return frame{}, errCamera }
func (errSource) Close() error                        { return nil }

func TestLatestFrameWins(t *testing.T) {
	l := newLatest[int]()
	if _, dropped := l.Put(1); dropped {
		t.Error("first Put dropped a value")
	}
	old, dropped := l.Put(2)
	if !dropped || old != 1 {
		t.Errorf("second Put = %d, %v; want 1 dropped", old, dropped)
	}
	v, err := l.Get(context.Background())
	if err != nil || v != 2 {
		t.Errorf("Get = %d, %v; want 2", v, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Get(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Get on empty with cancelled ctx = %v, want context.Canceled", err)
	}
}

func TestPercentile(t *testing.T) {
	ds := []time.Duration{5, 1, 3, 2, 4}
	if got := percentile(ds, 0.5); got != 3 {
		t.Errorf("p50 = %v, want 3", got)
	}
	if got := percentile(ds, 0.95); got != 5 {
		t.Errorf("p95 = %v, want 5", got)
	}
	if got := percentile(nil, 0.5); got != 0 {
		t.Errorf("p50 of none = %v, want 0", got)
	}
}

func TestWatchdogNotifiesSystemd(t *testing.T) {
	dir := t.TempDir()
	sock := dir + "/notify"
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "30000") // 30 ms: pings every 10 ms
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() { done <- watchdog(ctx, log, func() error { return nil }) }()
	buf := make([]byte, 256)
	var got []string
	for len(got) < 3 {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(buf[:n]))
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("watchdog: %v", err)
	}
	if got[0] != "READY=1" || got[1] != "WATCHDOG=1" || got[2] != "WATCHDOG=1" {
		t.Errorf("notifications = %q, want READY=1 then WATCHDOG=1 pings", got)
	}
}

func TestWatchdogSilentWhenUnhealthy(t *testing.T) {
	dir := t.TempDir()
	sock := dir + "/notify"
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "30000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	ctx, cancel := context.WithCancel(context.Background())
	checks := make(chan struct{}, 16)
	health := func() error {
		select {
		case checks <- struct{}{}:
		default:
		}
		return errors.New("no frame for 11s")
	}
	done := make(chan error, 1)
	go func() { done <- watchdog(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), health) }()
	buf := make([]byte, 256)
	n, err := conn.Read(buf)
	if err != nil || string(buf[:n]) != "READY=1" {
		t.Fatalf("first notification %q, %v; want READY=1", buf[:n], err)
	}
	<-checks // two health checks have run and failed: no ping was sent
	<-checks
	cancel()
	<-done
	_ = conn.SetReadDeadline(time.Now()) // only what is already queued
	if n, err := conn.Read(buf); err == nil {
		t.Errorf("unhealthy daemon pinged the watchdog: %q", buf[:n])
	}
}

// blockingSource gives its frames, then waits for the end of the run.
type blockingSource struct{ fakeSource }

func (s *blockingSource) Next(ctx context.Context) (frame, error) {
	if s.n >= len(s.frames) {
		<-ctx.Done()
		return frame{}, ctx.Err()
	}
	return s.fakeSource.Next(ctx)
}

func TestMetricsAndHealthEndpoints(t *testing.T) {
	o := &order{}
	src := &blockingSource{fakeSource{img: image.NewRGBA(image.Rect(0, 0, 8, 8)), frames: [][]face{
		{faceAt(50, 0.9, 0.1)}, {faceAt(52, 0.9, 0.1)},
	}}}
	granted := make(chan struct{}, 1)
	addrc := make(chan string, 1)
	cfg := testConfig()
	cfg.Metrics.Listen = "127.0.0.1:0"
	h := &runHooks{
		comps:     &components{source: src, finder: fakeFinder{&src.fakeSource}, matcher: fakeMatcher{}, door: &fakeDoor{o: o, events: make(chan door.Event, 4)}, events: &fakeSink{o: o}},
		lockstep:  true, // a fake source is faster than the pipeline: no frame may be dropped
		listening: func(a string) { addrc <- a },
		decided:   func(decisionRecord) { granted <- struct{}{} },
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runDaemon(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), h) }()
	addr := <-addrc
	<-granted
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get("/metrics")
	for _, want := range []string{
		`facegate_decisions_total{outcome="granted"} 1`,
		"facegate_frames_total 2",
		`facegate_stage_seconds_count{stage="infer"} 2`,
		"facegate_grant_latency_seconds_count 1",
	} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics (%d) lacks %q:\n%s", code, want, body)
		}
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q, want 200 ok", code, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("runDaemon after cancel = %v, want nil (cancel is a clean stop)", err)
	}
}

// stoppingDoor emits a "stopped" event as its Run returns, like door.Controller.
type stoppingDoor struct{ fakeDoor }

func (d *stoppingDoor) Run(ctx context.Context) error {
	<-ctx.Done()
	d.events <- door.Event{Kind: door.KindStopped, Locked: true, ContactOK: true}
	d.o.add("door locked")
	return nil
}

func TestDoorEventsAtShutdownArePublished(t *testing.T) {
	o := &order{}
	src := &fakeSource{img: image.NewRGBA(image.Rect(0, 0, 8, 8)), frames: [][]face{{}}}
	d := &stoppingDoor{fakeDoor{o: o, events: make(chan door.Event, 4)}}
	sink := &fakeSink{o: o}
	h := &runHooks{comps: &components{source: src, finder: fakeFinder{src}, matcher: fakeMatcher{}, door: d, events: sink}, lockstep: true}
	if err := runDaemon(context.Background(), testConfig(), slog.New(slog.NewTextHandler(io.Discard, nil)), h); err != nil {
		t.Fatal(err)
	}
	if len(sink.events) == 0 || sink.events[len(sink.events)-1] != "door" {
		t.Errorf("events = %v, want the door's stopped event published", sink.events)
	}
}

func TestAccessEventCarriesFalseMatchEstimate(t *testing.T) {
	cal, err := gallery.ParseCalibration(infer.CalibrationJSON)
	if err != nil {
		t.Fatalf("shipped calibration: %v", err)
	}
	rec := decisionRecord{Decision: policy.Decision{Outcome: policy.Granted, Person: "alice", Score: 0.8}, Latency: 1500 * time.Microsecond}
	ev := accessEvent(rec, cal)
	fmr, ok := ev["false_match_rate"].(float64)
	if !ok || !(fmr > 0 && fmr < 1e-3) {
		t.Errorf("false_match_rate = %v, want a small probability at similarity 0.8", ev["false_match_rate"])
	}
	if s, _ := ev["false_match"].(string); !strings.HasPrefix(s, "est.") {
		t.Errorf("false_match = %q, want odds in words", s)
	}
	if ev["decision"] != "granted" || ev["person_id"] != "alice" || ev["latency_ms"] != 1.5 {
		t.Errorf("event = %v", ev)
	}
	if _, ok := accessEvent(decisionRecord{Decision: policy.Decision{Outcome: policy.DeniedQuality}}, cal)["false_match_rate"]; ok {
		t.Error("a decision without a similarity carries a false-match estimate")
	}
}

func TestMetricsPortBusy(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	o := &order{}
	cfg := testConfig()
	cfg.Metrics.Listen = busy.Addr().String()
	src := &fakeSource{frames: [][]face{{}}}
	h := &runHooks{comps: &components{source: src, finder: fakeFinder{src}, matcher: fakeMatcher{},
		door: &fakeDoor{o: o, events: make(chan door.Event, 1)}, events: &fakeSink{o: o}}}
	err = runDaemon(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), h)
	if err == nil || !strings.Contains(err.Error(), "metrics.listen") {
		t.Errorf("runDaemon with a busy metrics port = %v, want a metrics.listen error", err)
	}
}
