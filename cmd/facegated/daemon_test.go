package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/facegate/facegate/capture"
	"github.com/facegate/facegate/gallery"
	"github.com/facegate/facegate/infer"
	"github.com/facegate/facegate/infer/liveness"
	"github.com/facegate/facegate/internal/testfaces"
)

// TestDaemonEndToEnd runs the production wiring (buildComponents): folder
// replay camera, real models, encrypted gallery store, simulated door, and
// the outbox + MQTT device against an embedded broker on loopback. A person
// enrolled from one photo walks up in frames made from another photo and
// must be granted, with the access event arriving through the broker.
func TestDaemonEndToEnd(t *testing.T) {
	det := testfaces.Model(t, "face_detection_short_range.tflite")
	emb := testfaces.Model(t, "MobileFaceNet.tflite")
	person := filepath.Join(testfaces.Dir(t, "dev"), "df_angelina_jolie")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	state := t.TempDir()

	cfg := defaultConfig()
	cfg.Device = DeviceConfig{ID: "t-door", Site: "t-site"}
	cfg.StateDir = state
	cfg.Infer.DetectorModel, cfg.Infer.EmbedderModel = det, emb
	cfg.Liveness.Mode = liveness.ModeOff // still photos are planar: liveness would refuse them
	cfg.Gallery.Path, cfg.Gallery.KeyFile = filepath.Join(state, "gallery.db"), filepath.Join(state, "gallery.key")
	cfg.Door.Backend = "sim"
	cfg.Metrics.Listen = ""
	cfg.Policy.TrackTimeout = 10 * time.Second // a slow machine must not split the walk-up

	// Enroll from 1.jpg.
	models, err := infer.LoadModels(cfg.Infer)
	if err != nil {
		t.Fatal(err)
	}
	pipe, err := infer.NewPipeline(cfg.Infer, models)
	if err != nil {
		t.Fatal(err)
	}
	defer pipe.Close()
	enrollImg, err := infer.DecodeFile(filepath.Join(person, "1.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := pipe.Process(ctx, enrollImg)
	if err != nil || len(res.Faces) == 0 || res.Faces[0].Embedding == nil {
		t.Fatalf("enrollment photo: %v (%d faces)", err, len(res.Faces))
	}
	if err := gallery.CreateKey(cfg.Gallery.KeyFile); err != nil {
		t.Fatal(err)
	}
	key, err := gallery.LoadKey(cfg.Gallery.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	store, err := gallery.Open(ctx, cfg.Gallery, gallery.WithKey(key))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Enroll(ctx, gallery.Person{ID: "angelina"}, [][]float32{append([]float32(nil), res.Faces[0].Embedding...)}); err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	// Replay: a walk-up rendered from 2.jpg, as PNG frames in a folder.
	walkImg, err := infer.DecodeFile(filepath.Join(person, "2.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	frames := filepath.Join(state, "frames")
	if err := os.Mkdir(frames, 0o755); err != nil {
		t.Fatal(err)
	}
	subj := demoSubject{id: "angelina", img: walkImg, crop: walkImg.Bounds()}
	dst := image.NewRGBA(image.Rect(0, 0, demoW, demoH))
	for i := 0; i < 6; i++ {
		renderWalkUp(dst, subj, walkFrames/2+i, 0)
		f, err := os.Create(filepath.Join(frames, fmt.Sprintf("frame_%03d.png", i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, dst); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	cfg.Camera = capture.Config{Backend: "folder", Path: frames, FPS: 30}.WithDefaults()

	// The broker, and a subscriber counting access events.
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	broker := mochi.New(&mochi.Options{InlineClient: true, Logger: log})
	if err := broker.AddHook(new(auth.AllowHook), nil); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	if err := broker.AddListener(listeners.NewTCP(listeners.Config{ID: "t", Address: addr})); err != nil {
		t.Fatal(err)
	}
	if err := broker.Serve(); err != nil {
		t.Fatal(err)
	}
	defer broker.Close()
	cfg.MQTT.Broker, cfg.MQTT.Insecure = "tcp://"+addr, true
	cfg.MQTT.CAFile, cfg.MQTT.CertFile, cfg.MQTT.KeyFile = "", "", ""
	cfg.MQTT.AdminKeys = map[string]string{"alice": "PgU5RJAMVqvIXY9iMmc0Qoc91w66ZeJ0L2rUVClAIz8="}
	cfg.resolvePaths()
	cfg.fillDerived()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	var mu sync.Mutex
	var brokerDecisions []string
	if err := broker.Subscribe(cfg.MQTT.Topics().Events, 1, func(_ *mochi.Client, _ packets.Subscription, pk packets.Packet) {
		var env struct {
			Type string `json:"type"`
			Data struct {
				Decision string `json:"decision"`
				Person   string `json:"person_id"`
			} `json:"data"`
		}
		if json.Unmarshal(pk.Payload, &env) == nil && env.Type == "access" {
			mu.Lock()
			brokerDecisions = append(brokerDecisions, env.Data.Decision+":"+env.Data.Person)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}

	comps, err := buildComponents(ctx, cfg, log)
	if err != nil {
		t.Fatalf("buildComponents: %v", err)
	}
	var decisions []decisionRecord
	h := &runHooks{comps: comps, lockstep: true, decided: func(r decisionRecord) { decisions = append(decisions, r) }}
	if err := runDaemon(ctx, cfg, log, h); err != nil {
		t.Fatalf("runDaemon: %v", err)
	}
	if len(decisions) == 0 || decisions[0].Outcome != "granted" || decisions[0].Person != "angelina" {
		t.Fatalf("decisions = %+v, want a grant for angelina first", decisions)
	}
	if decisions[0].Latency <= 0 {
		t.Errorf("grant latency %v, want > 0", decisions[0].Latency)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(brokerDecisions) == 0 || brokerDecisions[0] != "granted:angelina" {
		t.Errorf("access events through the broker = %v, want granted:angelina", brokerDecisions)
	}
}
