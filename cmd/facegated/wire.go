package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/facegate/facegate/capture"
	"github.com/facegate/facegate/door"
	"github.com/facegate/facegate/gallery"
	"github.com/facegate/facegate/infer"
	"github.com/facegate/facegate/infer/liveness"
	"github.com/facegate/facegate/infer/tflite"
	"github.com/facegate/facegate/infer/track"
	"github.com/facegate/facegate/mqtt"
	"github.com/facegate/facegate/outbox"
	"github.com/facegate/facegate/policy"
)

// buildComponents makes the daemon's parts from the config. The door is
// opened first so the lock is driven to its locked level before anything
// else can fail slowly.
func buildComponents(ctx context.Context, cfg Config, log *slog.Logger) (_ *components, err error) {
	var closers []func()
	defer func() {
		if err != nil {
			for i := len(closers) - 1; i >= 0; i-- {
				closers[i]()
			}
		}
	}()
	c := &components{}

	doorEvents := make(chan door.Event, 1024)
	ctl, err := door.Open(cfg.Door, door.Options{Logger: log, OnEvent: func(ev door.Event) { doorEvents <- ev }})
	if err != nil {
		return nil, fmt.Errorf("door: %w", err)
	}
	closers = append(closers, func() { _ = ctl.Close() })
	c.door = &doorAdapter{ctl: ctl, events: doorEvents}

	models, err := infer.LoadModels(cfg.Infer)
	if err != nil {
		return nil, err
	}
	pipe, err := infer.NewPipeline(cfg.Infer, models)
	if err != nil {
		return nil, fmt.Errorf("infer: %w", err)
	}
	closers = append(closers, pipe.Close)
	c.finder = inferFinder{pipe}
	// Enrollment photos get their own pipeline: Pipeline is not safe for
	// concurrent use and commands arrive on the MQTT goroutine.
	enrollPipe, err := infer.NewPipeline(cfg.Infer, models)
	if err != nil {
		return nil, fmt.Errorf("infer: %w", err)
	}
	closers = append(closers, enrollPipe.Close)

	if cfg.Liveness.Mode != liveness.ModeOff {
		lv, err := newLivenessJudge(cfg)
		if err != nil {
			return nil, err
		}
		closers = append(closers, lv.close)
		c.liveness = lv
	}

	key, err := gallery.LoadKey(cfg.Gallery.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("gallery.key_file: %w (create it with `facegate provision`)", err)
	}
	gcfg := cfg.Gallery
	if gcfg.Embedder, err = embedderID(cfg.Infer.EmbedderModel); err != nil {
		return nil, err
	}
	store, err := gallery.Open(ctx, gcfg, gallery.WithKey(key), gallery.WithLogger(log))
	if err != nil {
		return nil, err
	}
	closers = append(closers, func() { _ = store.Close() })
	c.matcher = galleryMatcher{ix: store.Index(), now: time.Now}

	sink, closeSink, err := newMQTTSink(cfg, store, &photoEmbedder{p: enrollPipe}, log)
	if err != nil {
		return nil, err
	}
	closers = append(closers, closeSink)
	c.events = sink
	dev := sink.dev
	if q := store.Quarantined(); q != nil {
		// The store failed its integrity check: report it; face grants stay
		// refused (the index is degraded) until a resync completes.
		if _, err := dev.Emitter().Emit(mqtt.TypeHealth, mqtt.Health{Component: "gallery", Status: "failed",
			Detail: "store quarantined: " + q.Error() + "; resync requested"}); err != nil {
			log.Error("record quarantine event", "err", err)
		}
	}

	src, err := capture.Open(ctx, cfg.Camera, log, capture.WithStateFunc(func(sc capture.StateChange) {
		h := cameraHealth(sc)
		log.Info("camera", "status", h.Status, "detail", h.Detail)
		if _, err := dev.Emitter().Emit(mqtt.TypeHealth, h); err != nil {
			log.Error("record camera health event", "err", err)
		}
	}))
	if err != nil {
		return nil, fmt.Errorf("camera: %w", err)
	}
	c.source = newCaptureSource(src)

	c.close = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	return c, nil
}

// newMQTTSink opens the outbox and the command state and makes the MQTT
// device that publishes events and applies admin commands.
func newMQTTSink(cfg Config, g mqtt.Gallery, e mqtt.Embedder, log *slog.Logger) (*mqttSink, func(), error) {
	ob, err := outbox.Open(cfg.MQTT.Outbox.Path, outbox.Options{Capacity: cfg.MQTT.Outbox.Capacity,
		Policy: cfg.MQTT.Outbox.FullPolicy, AlarmPercent: cfg.MQTT.Outbox.AlarmPercent})
	if err != nil {
		return nil, nil, fmt.Errorf("mqtt.outbox: %w", err)
	}
	st, err := mqtt.OpenState(cfg.MQTT.StatePath)
	if err != nil {
		_ = ob.Close()
		return nil, nil, fmt.Errorf("mqtt.state_path: %w", err)
	}
	closeAll := func() {
		_ = st.Close()
		_ = ob.Close()
	}
	dev, err := mqtt.NewDevice(cfg.MQTT, mqtt.DeviceDeps{Outbox: ob, State: st, Gallery: g, Embedder: e, Log: log})
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	return &mqttSink{dev: dev, ob: ob}, closeAll, nil
}

// cameraHealth turns a camera state change into a health event.
func cameraHealth(sc capture.StateChange) mqtt.Health {
	h := mqtt.Health{Component: "camera", Fields: map[string]any{"device": sc.Device, "state": sc.State.String()}}
	switch sc.State {
	case capture.StateStreaming:
		h.Status = "ok"
		h.Detail = fmt.Sprintf("streaming %s %dx%d", sc.Info.Card, sc.Mode.Width, sc.Mode.Height)
	case capture.StateClosed:
		h.Status = "ok"
		h.Detail = "closed"
	default:
		h.Status = "failed"
		h.Detail = sc.State.String()
		if sc.Err != nil {
			h.Detail += ": " + sc.Err.Error()
		}
		if sc.Attempt > 0 {
			h.Fields["attempt"] = sc.Attempt
			h.Fields["retry_in_s"] = sc.Delay.Seconds()
		}
	}
	return h
}

// captureSource adapts capture.Source: frames are converted to RGBA in
// pooled buffers, and a finished replay reads as errEndOfReplay.
type captureSource struct {
	src  capture.Source
	pool sync.Pool
}

func newCaptureSource(src capture.Source) *captureSource {
	return &captureSource{src: src}
}

func (s *captureSource) Next(ctx context.Context) (frame, error) {
	f, err := s.src.Next(ctx)
	if errors.Is(err, io.EOF) {
		return frame{}, errEndOfReplay
	}
	if err != nil {
		return frame{}, err
	}
	dst, _ := s.pool.Get().(*image.RGBA)
	img, err := f.RGBA(dst)
	if err != nil {
		return frame{}, fmt.Errorf("frame %d: %w", f.Seq, err)
	}
	return frame{img: img, at: f.Time, seq: f.Seq, release: func() { s.pool.Put(img) }}, nil
}

func (s *captureSource) Close() error { return s.src.Close() }

// mqttSink adapts mqtt.Device and its outbox to eventSink.
type mqttSink struct {
	dev *mqtt.Device
	ob  *outbox.Outbox
}

func (s *mqttSink) Run(ctx context.Context) error { return s.dev.Run(ctx) }
func (s *mqttSink) Publish(_ context.Context, typ string, data any) error {
	_, err := s.dev.Emitter().Emit(typ, data)
	return err
}

// Flush waits until every queued event has been acknowledged or ctx ends.
func (s *mqttSink) Flush(ctx context.Context) error { return s.dev.Flush(ctx) }
func (s *mqttSink) Close() error                    { return nil } // the outbox is closed by components.close
// Connected reports whether the events connection to the broker is up.
func (s *mqttSink) Connected() bool { return s.dev.Connected() }
func (s *mqttSink) Depth() int      { return s.ob.Len() }

// photoEmbedder adapts an infer pipeline to mqtt.Embedder.
type photoEmbedder struct {
	mu sync.Mutex
	p  *infer.Pipeline
}

func (e *photoEmbedder) EmbedPhoto(ctx context.Context, jpeg []byte) ([]float32, string, error) {
	img, err := infer.Decode(bytes.NewReader(jpeg))
	if err != nil {
		return nil, "not a readable image: " + err.Error(), nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	res, err := e.p.Process(ctx, img)
	if err != nil {
		return nil, "", err
	}
	switch {
	case len(res.Faces) == 0:
		return nil, "no face found", nil
	case len(res.Faces) > 1:
		return nil, fmt.Sprintf("%d faces found: use a photo of one person", len(res.Faces)), nil
	case res.Faces[0].Embedding == nil:
		return nil, strings.Join(res.Faces[0].Quality.Reasons, "; "), nil
	}
	return append([]float32(nil), res.Faces[0].Embedding...), "", nil
}

// livenessJudge runs the face mesh on each tracked face and keeps one
// liveness evaluator per track.
type meshJudge struct {
	cfg      liveness.Config
	spectrum liveness.Spectrum
	mesh     *liveness.FaceMesh
	tracks   map[uint64]*meshTrack
	log      *slog.Logger
}

// meshTrack is one followed face's liveness state.
type meshTrack struct {
	ev       *liveness.Evaluator
	lastMesh *liveness.Mesh  // the previous frame's mesh, if it found a face
	decided  policy.Liveness // final once not pending
}

func newLivenessJudge(cfg Config) (*meshJudge, error) {
	m, err := tflite.Load(cfg.FaceMeshModel)
	if err != nil {
		return nil, fmt.Errorf("face_mesh_model: %w", err)
	}
	fm, err := liveness.NewFaceMesh(m, tflite.Options{Threads: cfg.Infer.Threads})
	if err != nil {
		return nil, fmt.Errorf("face_mesh_model: %w", err)
	}
	spectrum := liveness.Spectrum(cfg.Camera.Spectrum)
	if _, err := liveness.NewEvaluator(cfg.Liveness, spectrum); err != nil {
		fm.Close()
		return nil, err
	}
	return &meshJudge{cfg: cfg.Liveness, spectrum: spectrum, mesh: fm, tracks: map[uint64]*meshTrack{}}, nil
}

func (j *meshJudge) close() { j.mesh.Close() }

// Observe runs the face mesh on the track's face the way `facegate
// eval-liveness` measured it: a new track's crop comes from the detector's
// box and eyes and is refined three times from the mesh's own landmarks;
// later frames crop around the previous frame's mesh (MediaPipe's tracking
// crop). Once a track is decided the decision is final and the mesh no
// longer runs for it.
func (j *meshJudge) Observe(tr track.Track, img *image.RGBA, at time.Time) policy.Liveness {
	st := j.tracks[tr.ID]
	if st == nil {
		ev, _ := liveness.NewEvaluator(j.cfg, j.spectrum) // validated in newLivenessJudge
		st = &meshTrack{ev: ev, decided: policy.LivenessPending}
		j.tracks[tr.ID] = st
	}
	if st.decided != policy.LivenessPending {
		return st.decided
	}
	o := liveness.Observation{Time: at, Frame: img}
	var m *liveness.Mesh
	var err error
	switch {
	case st.lastMesh != nil:
		m, err = j.mesh.Run(context.Background(), img, liveness.ROIFromMesh(st.lastMesh))
	case len(tr.Det.Points) >= 2:
		b := tr.Det.Box
		re, le := tr.Det.Points[0], tr.Det.Points[1]
		roi := liveness.ROIFromEyes(b.MinX, b.MinY, b.MaxX, b.MaxY, liveness.Point{X: re.X, Y: re.Y}, liveness.Point{X: le.X, Y: le.Y})
		m, err = j.mesh.Refine(context.Background(), img, roi, 3)
	}
	st.lastMesh = nil
	if err == nil && m != nil {
		o.Mesh = m
		if m.Presence >= 0.5 {
			st.lastMesh = m
		}
	}
	d := st.ev.Add(o)
	switch d.State {
	case liveness.Live:
		st.decided = policy.LivenessLive
	case liveness.Attack:
		st.decided = policy.LivenessAttack
		if d.Reason == liveness.ReasonTimeout {
			st.decided = policy.LivenessTimeout
		}
	}
	return st.decided
}

func (j *meshJudge) End(id uint64) { delete(j.tracks, id) }

// embedderID names the embedding model for the gallery's record of which
// model made its templates: the file name and the start of its sha256, so
// switching models.quantized (or replacing the file) is noticed.
func embedderID(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("infer.embedder_model: %w", err)
	}
	sum := sha256.Sum256(b)
	return fmt.Sprintf("%s sha256:%x", filepath.Base(path), sum[:8]), nil
}
