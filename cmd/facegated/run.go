package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"golang.org/x/sync/errgroup"

	"github.com/facegate/facegate/door"
	"github.com/facegate/facegate/gallery"
	"github.com/facegate/facegate/infer"
	"github.com/facegate/facegate/infer/track"
	"github.com/facegate/facegate/metrics"
	"github.com/facegate/facegate/policy"
)

// doorUnit is the door controller as the daemon uses it.
type doorUnit interface {
	doorCommander
	// Run drives the lock to locked first, follows the inputs and returns
	// the lock to locked when ctx ends.
	Run(ctx context.Context) error
	// Events delivers every door transition while Run runs.
	Events() <-chan door.Event
}

// eventSink is the durable event path (outbox + MQTT).
type eventSink interface {
	// Run keeps the broker connection and drains the outbox until ctx ends.
	Run(ctx context.Context) error
	// Publish stores an event durably before it is sent.
	Publish(ctx context.Context, typ string, data any) error
	// Flush waits until the outbox is drained or ctx ends.
	Flush(ctx context.Context) error
	// Close disconnects from the broker and closes the outbox.
	Close() error
	// Connected reports the broker connection; Depth the outbox length.
	Connected() bool
	Depth() int
}

// components are the parts the daemon joins. buildComponents makes them
// from the config; the demo builds its own.
type components struct {
	source   frameSource
	finder   faceFinder
	matcher  matcher
	liveness livenessJudge
	door     doorUnit
	events   eventSink
	// close releases what the components hold (models, stores), after
	// the shutdown sequence.
	close func()
}

// runHooks let the demo observe and steer a run.
type runHooks struct {
	comps *components
	// decided is called for every decision after it is published.
	decided func(decisionRecord)
	// doorEvent is called for every door event after it is published.
	doorEvent func(door.Event)
	// lockstep hands every frame to the pipeline (no dropping): finite
	// replays in the demo's -check mode decide on every frame.
	lockstep bool
	// trackGap overrides how long a track survives unseen.
	trackGap time.Duration
	// frameDone is called after each frame with capture → done latency
	// and the number of faces embedded.
	frameDone func(latency time.Duration, faces int)
	// listening receives the metrics server's address.
	listening func(addr string)
	// metrics receives the registry once it exists.
	metrics func(*daemonMetrics)
}

// healthWindow is how long without a processed frame before /healthz and
// the systemd watchdog report the daemon unhealthy.
const healthWindow = 10 * time.Second

// runDaemon runs the daemon until ctx ends or a part fails. Shutdown order:
// the door returns to locked first, then the outbox is flushed, then the
// broker connection is closed.
func runDaemon(ctx context.Context, cfg Config, log *slog.Logger, h *runHooks) error {
	if h == nil {
		h = &runHooks{}
	}
	m := newDaemonMetrics()
	if h.metrics != nil {
		h.metrics(m)
	}
	comps := h.comps
	if comps == nil {
		var err error
		if comps, err = buildComponents(ctx, cfg, log); err != nil {
			return err
		}
	}
	if comps.close != nil {
		defer comps.close()
	}
	defer comps.source.Close()

	pol, err := policy.New(cfg.Policy)
	if err != nil {
		return err
	}
	cal, err := gallery.ParseCalibration(infer.CalibrationJSON)
	if err != nil {
		log.Warn("shipped calibration unreadable: events carry no false-match estimate", "err", err)
		cal = nil
	}
	gap := cfg.Policy.TrackTimeout / 2
	if h.trackGap > 0 {
		gap = h.trackGap
	}
	tr, err := track.New(track.Config{MaxGap: gap})
	if err != nil {
		return err
	}

	// Listen before any goroutine starts, so a busy port fails cleanly.
	var ln net.Listener
	if cfg.Metrics.Listen != "" {
		if ln, err = net.Listen("tcp", cfg.Metrics.Listen); err != nil {
			return fmt.Errorf("metrics.listen %s: %w (pick a free port or \"\" to disable)", cfg.Metrics.Listen, err)
		}
	}

	// The event path outlives the pipeline: it is stopped only after the
	// door is locked and the outbox flushed.
	evCtx, evCancel := context.WithCancel(context.WithoutCancel(ctx))
	defer evCancel()
	evDone := make(chan error, 1)
	go func() { evDone <- comps.events.Run(evCtx) }()

	var doorOpen atomic.Bool
	var doorChanged atomic.Bool
	var lastFrame atomic.Int64
	lastFrame.Store(time.Now().UnixNano())

	p := &pipeline{
		log: log.With("component", "pipeline"), finder: comps.finder, matcher: comps.matcher,
		liveness: comps.liveness, door: comps.door, tracker: tr, policy: pol, m: m, now: time.Now,
	}
	p.decided = func(rec decisionRecord) {
		logDecision(log, rec)
		if rec.Outcome == policy.AlreadyOpen {
			return // no door command, nothing to report
		}
		if err := comps.events.Publish(ctx, "access", accessEvent(rec, cal)); err != nil {
			log.Error("store access event", "err", err)
		}
		if rec.Lockout != nil {
			if err := comps.events.Publish(ctx, "lockout", map[string]any{
				"failures": rec.Lockout.Failures, "until": rec.Lockout.Until.UTC().Format(time.RFC3339),
				"seconds": rec.Lockout.Until.Sub(rec.At).Seconds()}); err != nil {
				log.Error("store lockout event", "err", err)
			}
		}
		if h.decided != nil {
			h.decided(rec)
		}
	}

	g, gctx := errgroup.WithContext(ctx)
	frames := newLatest[frame]()
	handle := func(f frame) error {
		if doorChanged.Swap(false) {
			pol.SetDoorOpen(doorOpen.Load())
		}
		n, err := p.process(gctx, f)
		f.done()
		if err != nil {
			return err
		}
		lastFrame.Store(time.Now().UnixNano())
		if h.frameDone != nil {
			h.frameDone(time.Since(f.at), n)
		}
		return nil
	}
	if h.lockstep {
		// One goroutine reads and processes: every frame is decided on,
		// and a frame is captured only when the pipeline is free.
		g.Go(func() error {
			for {
				f, err := comps.source.Next(gctx)
				if errors.Is(err, errEndOfReplay) {
					// Close the open tracks, then stop.
					for _, d := range pol.Expire(time.Now().Add(time.Hour)) {
						p.report(gctx, decisionRecord{Decision: d})
					}
					return errEndOfReplay
				}
				if err != nil {
					return fmt.Errorf("camera: %w", err)
				}
				m.framesIn.Inc()
				if err := handle(f); err != nil {
					return err
				}
			}
		})
	} else {
		g.Go(func() error {
			for {
				f, err := comps.source.Next(gctx)
				if err != nil {
					return fmt.Errorf("camera: %w", err)
				}
				m.framesIn.Inc()
				if old, dropped := frames.Put(f); dropped {
					old.done()
					m.framesDropped.Inc()
				}
			}
		})
		g.Go(func() error {
			for {
				f, err := frames.Get(gctx)
				if err != nil {
					return err
				}
				if err := handle(f); err != nil {
					return err
				}
			}
		})
	}
	g.Go(func() error { return comps.door.Run(gctx) })
	forwardDoor := func(ev door.Event) {
		m.doorEvents.With(ev.Kind).Inc()
		m.doorLocked.Set(b2f(ev.Locked))
		m.doorOpen.Set(b2f(ev.Open))
		open := !ev.Locked || (ev.ContactOK && ev.Open)
		if doorOpen.Swap(open) != open {
			doorChanged.Store(true)
		}
		log.Info("door", "event", ev)
		if err := comps.events.Publish(ctx, "door", doorEventData(ev)); err != nil {
			log.Error("store door event", "err", err)
		}
		if h.doorEvent != nil {
			h.doorEvent(ev)
		}
	}
	g.Go(func() error {
		for {
			select {
			case ev, ok := <-comps.door.Events():
				if !ok {
					return nil
				}
				forwardDoor(ev)
			case <-gctx.Done():
				return nil
			}
		}
	})
	health := func() error {
		if age := time.Since(time.Unix(0, lastFrame.Load())); age > healthWindow {
			return fmt.Errorf("no frame processed for %v", age.Round(time.Second))
		}
		return nil
	}
	g.Go(func() error {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			m.outboxDepth.Set(float64(comps.events.Depth()))
			m.mqttConnected.Set(b2f(comps.events.Connected()))
			select {
			case <-t.C:
			case <-gctx.Done():
				return nil
			}
		}
	})
	if ln != nil {
		srv := &http.Server{Handler: metrics.Handler(m.reg, health), ReadHeaderTimeout: 5 * time.Second}
		g.Go(func() error {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("metrics server: %w", err)
			}
			return nil
		})
		g.Go(func() error {
			<-gctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			return srv.Shutdown(sctx)
		})
		log.Info("metrics", "listen", ln.Addr().String())
		if h.listening != nil {
			h.listening(ln.Addr().String())
		}
	}
	g.Go(func() error { return watchdog(gctx, log, health) })

	log.Info("facegated running", "device", cfg.Device.ID, "site", cfg.Device.Site)
	err = g.Wait()
	if errors.Is(err, errEndOfReplay) || errors.Is(err, context.Canceled) && ctx.Err() != nil {
		err = nil
	}
	// 1. The door: its Run has returned, and it returns only after driving
	// the lock to locked (or held released under fire release).
	_, _ = daemon.SdNotify(false, daemon.SdNotifyStopping)
	// Record the door's last events (relocked, stopped) before the flush.
	for drained := false; !drained; {
		select {
		case ev, ok := <-comps.door.Events():
			if !ok {
				drained = true
				break
			}
			forwardDoor(ev)
		default:
			drained = true
		}
	}
	log.Info("shutdown: door locked; flushing outbox", "depth", comps.events.Depth())
	// 2. The outbox: give the broker a few seconds to take what is queued.
	fctx, fcancel := context.WithTimeout(context.Background(), 5*time.Second)
	if ferr := comps.events.Flush(fctx); ferr != nil {
		log.Warn("outbox not fully flushed; events stay queued for the next start", "depth", comps.events.Depth(), "err", ferr)
	}
	fcancel()
	// 3. The broker connection.
	evCancel()
	if eerr := <-evDone; eerr != nil && !errors.Is(eerr, context.Canceled) {
		log.Warn("mqtt", "err", eerr)
	}
	if cerr := comps.events.Close(); cerr != nil {
		log.Warn("close events", "err", cerr)
	}
	log.Info("facegated stopped")
	return err
}

// watchdog tells systemd the daemon is ready and pings its watchdog while
// frames keep flowing; a stalled pipeline stops the pings and systemd
// restarts the service. Outside systemd it returns at once.
func watchdog(ctx context.Context, log *slog.Logger, health func() error) error {
	_, _ = daemon.SdNotify(false, daemon.SdNotifyReady)
	every, err := daemon.SdWatchdogEnabled(false)
	if err != nil || every == 0 {
		return nil
	}
	t := time.NewTicker(every / 3)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if err := health(); err != nil {
				log.Warn("watchdog: not pinging", "err", err)
				continue
			}
			_, _ = daemon.SdNotify(false, daemon.SdNotifyWatchdog)
		case <-ctx.Done():
			return nil
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func logDecision(log *slog.Logger, rec decisionRecord) {
	attrs := []any{"decision", string(rec.Outcome), "person", rec.Person, "score", rec.Score, "track", rec.Track}
	if rec.Outcome == policy.Granted {
		attrs = append(attrs, "latency_ms", float64(rec.Latency.Microseconds())/1000)
	}
	if rec.Reason != "" {
		attrs = append(attrs, "reason", rec.Reason)
	}
	log.Info("decision", attrs...)
}

// accessEvent is the `access` event data of docs/mqtt.md; cal (may be nil)
// turns the similarity into a calibrated false-match estimate.
func accessEvent(rec decisionRecord, cal *gallery.Calibration) map[string]any {
	ev := map[string]any{
		"decision":   string(rec.Outcome),
		"person_id":  rec.Person,
		"similarity": rec.Score,
		"reason":     rec.Reason,
	}
	if rec.Outcome == policy.Granted {
		ev["latency_ms"] = float64(rec.Latency.Microseconds()) / 1000
	}
	if cal != nil && rec.Score > 0 {
		est := cal.Estimate(rec.Score)
		ev["false_match_rate"] = est.FMR
		ev["false_match"] = est.String()
	}
	return ev
}

func doorEventData(ev door.Event) map[string]any {
	fields := map[string]any{"locked": ev.Locked, "open": ev.Open, "contact_ok": ev.ContactOK, "fire": ev.Fire}
	if ev.Reason != "" {
		fields["reason"] = ev.Reason
	}
	if ev.Input != "" {
		fields["input"] = ev.Input
	}
	if ev.Err != "" {
		fields["err"] = ev.Err
	}
	return map[string]any{"kind": ev.Kind, "fields": fields}
}
