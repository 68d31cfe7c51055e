package metrics

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func sample() *Registry {
	r := NewRegistry()
	r.Counter("facegate_frames_total", "Frames read from the camera.").Add(42)
	d := r.CounterVec("facegate_decisions_total", "Decisions by outcome.", "outcome")
	d.With("granted").Inc()
	d.With("denied-unknown").Add(2)
	r.Gauge("facegate_mqtt_connected", "1 when connected to the broker.").Set(1)
	r.GaugeVec("facegate_door_state", "Door state (1 = current).", "state").With(`odd "name"`).Set(1)
	h := r.HistogramVec("facegate_stage_seconds", "Per-stage latency\nin seconds.", "stage", []float64{0.01, 0.1, 1})
	for _, v := range []float64{0.005, 0.01, 0.05, 2} {
		h.With("detect").Observe(v)
	}
	r.Histogram("facegate_grant_latency_seconds", "Capture to door command.", []float64{0.5}).Observe(0.25)
	return r
}

func TestGolden(t *testing.T) {
	var b bytes.Buffer
	sample().WriteText(&b)
	golden := filepath.Join("testdata", "exposition.golden")
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden (run go test -update): %v", err)
	}
	if b.String() != string(want) {
		t.Errorf("exposition differs from %s:\n got:\n%s\nwant:\n%s", golden, b.String(), want)
	}
}

func TestHistogramBuckets(t *testing.T) {
	h := newHistogram([]float64{1, 2})
	for _, v := range []float64{0.5, 1, 1.5, 3, 3} {
		h.Observe(v)
	}
	var b bytes.Buffer
	writeHistogram(&b, "x", "", h)
	want := "x_bucket{le=\"1\"} 2\nx_bucket{le=\"2\"} 3\nx_bucket{le=\"+Inf\"} 5\nx_sum 9\nx_count 5\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestConcurrentCounters(t *testing.T) {
	r := NewRegistry()
	c := r.CounterVec("c", "h", "l")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				c.With("a").Inc()
			}
		})
	}
	wg.Wait()
	if got := c.With("a").Value(); got != 8000 {
		t.Errorf("counter = %v, want 8000", got)
	}
}

func TestHandler(t *testing.T) {
	var healthErr error
	srv := httptest.NewServer(Handler(sample(), func() error { return healthErr }))
	defer srv.Close()
	get := func(path string) (int, string) {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, `facegate_decisions_total{outcome="granted"} 1`) {
		t.Errorf("/metrics: %d %q", code, body)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz healthy: %d %q", code, body)
	}
	healthErr = errors.New("camera: no frame for 10s")
	if code, body := get("/healthz"); code != 503 || !strings.Contains(body, "camera") {
		t.Errorf("/healthz unhealthy: %d %q", code, body)
	}
}

func TestDuplicatePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering a name twice did not panic")
		}
	}()
	r := NewRegistry()
	r.Counter("a", "h")
	r.Gauge("a", "h")
}
