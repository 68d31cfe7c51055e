package mqtt_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/facegate/facegate/mqtt"
	"github.com/facegate/facegate/mqtt/mqtttest"
	"github.com/facegate/facegate/outbox"
)

var zeroLossN = flag.Int("zeroloss.n", 1000, "events the zero-loss device generates (make zeroloss uses 10000)")

// zeroLossEnv is set in the environment of the device subprocess.
const zeroLossEnv = "FACEGATE_ZEROLOSS_DEVICE"

func TestMain(m *testing.M) {
	if os.Getenv(zeroLossEnv) == "1" {
		if err := zeroLossDevice(); err != nil {
			fmt.Fprintln(os.Stderr, "zeroloss device:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// zeroLossDevice is the device process: a real mqtt.Device whose emitter
// generates events until the outbox has assigned N sequence numbers (so it
// resumes after a SIGKILL), printing "generated <seq>" as it goes and
// "drained" once everything is acknowledged. It runs until SIGTERM.
func zeroLossDevice() error {
	env := func(k string) string { return os.Getenv("ZL_" + k) }
	n, err := strconv.ParseUint(env("N"), 10, 64)
	if err != nil {
		return err
	}
	pub, _, _ := ed25519.GenerateKey(nil)
	cfg := mqtt.Config{
		Broker: env("BROKER"), Site: "hq", Device: env("DEVICE"),
		CAFile: env("CA"), CertFile: env("CERT"), KeyFile: env("KEY"),
		AdminKeys: map[string]string{"admin": base64.StdEncoding.EncodeToString(pub)},
		StatePath: filepath.Join(env("DIR"), "commands.db"),
		Outbox:    mqtt.OutboxConfig{Path: filepath.Join(env("DIR"), "outbox.db")},
	}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	ob, err := outbox.Open(cfg.Outbox.Path, outbox.Options{Capacity: cfg.Outbox.Capacity})
	if err != nil {
		return err
	}
	defer ob.Close()
	st, err := mqtt.OpenState(cfg.StatePath)
	if err != nil {
		return err
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	dev, err := mqtt.NewDevice(cfg, mqtt.DeviceDeps{Outbox: ob, State: st, Gallery: newFakeGallery(), Embedder: fakeEmbedder{},
		Log: log, MinBackoff: 50 * time.Millisecond, MaxBackoff: 300 * time.Millisecond})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- dev.Run(ctx) }() // joined below
	last, err := ob.LastSeq()
	if err != nil {
		return err
	}
	for last < n && ctx.Err() == nil {
		ev, err := dev.Emitter().Emit(mqtt.TypeHealth, mqtt.Health{Component: "zeroloss", Status: "ok"})
		if err != nil {
			return err
		}
		last = ev.Seq
		if last%50 == 0 || last == n {
			fmt.Printf("generated %d\n", last)
		}
	}
	for ob.Len() > 0 && ctx.Err() == nil {
		select {
		case <-time.After(20 * time.Millisecond): // polling the queue length; not a test synchronisation
		case <-ctx.Done():
		}
	}
	if ctx.Err() == nil {
		fmt.Println("drained")
	}
	<-ctx.Done()
	return <-done
}

// deviceProc is one run of the device subprocess.
type deviceProc struct {
	cmd      *exec.Cmd
	progress chan string
	exited   chan struct{}
}

func startDeviceProc(t *testing.T, env []string, logFile string) *deviceProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, zeroLossEnv+"=1")...)
	logf, err := os.OpenFile(logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &deviceProc{cmd: cmd, progress: make(chan string, 1024), exited: make(chan struct{})}
	go func() { // ends when the process's stdout closes
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.progress <- sc.Text()
		}
		cmd.Wait()
		logf.Close()
		close(p.exited)
	}()
	return p
}

// waitLine waits for a progress line satisfying pred.
func (p *deviceProc) waitLine(t *testing.T, what string, pred func(string) bool) {
	t.Helper()
	deadline := time.After(90 * time.Second)
	for {
		select {
		case l := <-p.progress:
			if pred(l) {
				return
			}
		case <-p.exited:
			t.Fatalf("device process exited while waiting for %s", what)
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func generatedAtLeast(n int) func(string) bool {
	return func(l string) bool {
		v, ok := strings.CutPrefix(l, "generated ")
		k, _ := strconv.Atoi(v)
		return ok && k >= n
	}
}

func (p *deviceProc) kill(t *testing.T, sig syscall.Signal) {
	t.Helper()
	p.cmd.Process.Signal(sig)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		t.Fatalf("device process did not exit after %v", sig)
	}
}

// TestZeroLoss runs the zero-loss scenario: a device subprocess generates N
// events while the broker is stopped and restarted and the device is
// SIGKILLed twice (once while the broker is down, once while draining);
// the subscriber must get every event at least once and, after dropping
// duplicates, in sequence order.
func TestZeroLoss(t *testing.T) {
	n := *zeroLossN
	const device = "zl-1"
	b := mqtttest.Start(t, mqtttest.Options{Devices: []mqtt.DeviceIdentity{{Site: "hq", Device: device}}, Admins: []string{"admin"}})
	topics := mqtt.NewTopics("", "hq", device)

	type got struct {
		seq uint64
		id  string
	}
	var (
		mu       sync.Mutex
		received []got
		notify   = make(chan struct{}, 1)
	)
	sub := b.Connect(t, b.PKI.Client(t, "admin"), "zeroloss-subscriber", false)
	if tok := sub.Subscribe(topics.Events, 1, func(_ paho.Client, m paho.Message) {
		ev, err := mqtt.DecodeEnvelope(m.Payload())
		if err != nil {
			t.Errorf("bad event: %v", err)
			return
		}
		mu.Lock()
		received = append(received, got{ev.Seq, ev.ID})
		mu.Unlock()
		select {
		case notify <- struct{}{}:
		default:
		}
	}); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}

	dir := t.TempDir()
	files := b.PKI.Client(t, device)
	env := []string{"ZL_N=" + strconv.Itoa(n), "ZL_DIR=" + dir, "ZL_BROKER=" + b.URL, "ZL_DEVICE=" + device,
		"ZL_CA=" + files.CA, "ZL_CERT=" + files.Cert, "ZL_KEY=" + files.Key}
	logFile := filepath.Join(dir, "device.log")
	t.Cleanup(func() {
		if t.Failed() {
			l, _ := os.ReadFile(logFile)
			t.Logf("device log:\n%s\nbroker log:\n%s", l, b.Log())
		}
	})

	start := time.Now()
	p := startDeviceProc(t, env, logFile)
	p.waitLine(t, "20% generated", generatedAtLeast(n/5))
	b.Stop()
	p.waitLine(t, "40% generated", generatedAtLeast(2*n/5))
	p.kill(t, syscall.SIGKILL) // mid-stream, broker down
	b.Restart()
	p = startDeviceProc(t, env, logFile)
	p.waitLine(t, "70% generated", generatedAtLeast(7*n/10))
	p.kill(t, syscall.SIGKILL) // mid-stream, while draining the backlog
	p = startDeviceProc(t, env, logFile)
	p.waitLine(t, "drained", func(l string) bool { return l == "drained" })
	defer p.kill(t, syscall.SIGTERM)

	deadline := time.After(60 * time.Second)
	for {
		mu.Lock()
		uniq := map[uint64]bool{}
		for _, r := range received {
			uniq[r.seq] = true
		}
		mu.Unlock()
		if len(uniq) >= n {
			break
		}
		select {
		case <-notify:
		case <-deadline:
			t.Errorf("subscriber has %d of %d events after 60s", len(uniq), n)
		}
		if t.Failed() {
			break
		}
	}
	p.kill(t, syscall.SIGTERM)
	ob, err := outbox.Open(filepath.Join(dir, "outbox.db"), outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sent, _ := ob.LastSeq()
	left := ob.Len()
	ob.Close()

	mu.Lock()
	defer mu.Unlock()
	ids := map[uint64]string{}
	var dups, outOfOrder int
	var prev uint64
	for _, r := range received {
		if id, ok := ids[r.seq]; ok {
			dups++
			if id != r.id {
				t.Errorf("seq %d delivered with two ids %s and %s", r.seq, id, r.id)
			}
			continue
		}
		ids[r.seq] = r.id
		if r.seq <= prev {
			outOfOrder++
		}
		prev = r.seq
	}
	lost := 0
	for s := uint64(1); s <= sent; s++ {
		if _, ok := ids[s]; !ok {
			lost++
		}
	}
	line := fmt.Sprintf("zeroloss: sent=%d received_unique=%d lost=%d duplicates=%d out_of_order=%d", sent, len(ids), lost, dups, outOfOrder)
	fmt.Fprintln(os.Stdout, line)
	t.Logf("%s (outbox left %d, %v)", line, left, time.Since(start).Round(time.Millisecond))
	if sent != uint64(n) {
		t.Errorf("device generated %d events, want %d", sent, n)
	}
	if lost != 0 || outOfOrder != 0 {
		t.Errorf("lost %d events, %d out of order", lost, outOfOrder)
	}
}
