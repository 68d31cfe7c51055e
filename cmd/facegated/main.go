// Command facegated is the face-recognition door terminal daemon: it reads
// camera frames, finds, checks and embeds faces, matches them against the
// enrolled gallery, applies the decision policy and pulses the door relay,
// reporting every decision and door event over MQTT.
//
// Usage:
//
//	facegated [-config /etc/facegate/facegated.yaml]
//	facegated -check-config [-config FILE]
//	facegated -demo [-check] [-frames N] [-faces DIR] [-camera /dev/videoN]
//
// See systemd/facegated.example.yaml for every configuration key.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

// options are the command-line flags.
type options struct {
	configPath  string
	checkConfig bool
	cpuProfile  string
	demo        demoOptions
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("facegated", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.configPath, "config", DefaultConfigPath, "config file (YAML)")
	fs.BoolVar(&o.checkConfig, "check-config", false, "validate the config file and exit")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a Go CPU profile to this file (for performance work)")
	fs.BoolVar(&o.demo.enabled, "demo", false, "run the self-contained demo (embedded broker, replay camera, simulated door)")
	fs.BoolVar(&o.demo.check, "check", false, "with -demo: no terminal view; print one line per decision and fail unless the enrolled face was granted and the stranger denied")
	fs.IntVar(&o.demo.frames, "frames", 0, "with -demo: stop after this many frames (0: -check shows every face twice, 144 frames with the demo faces; otherwise run until Ctrl-C)")
	fs.StringVar(&o.demo.facesDir, "faces", "", "with -demo: DIR/<person>/*.jpg|png to enroll and replay instead of the demo faces")
	fs.StringVar(&o.demo.demoDir, "demo-dir", ".demo", "with -demo: folder holding the prepared demo faces (scripts/demo.sh fills it)")
	fs.StringVar(&o.demo.camera, "camera", "", "with -demo: a real camera (/dev/videoN) instead of the replay")
	fs.StringVar(&o.demo.models, "models", "models", "with -demo: folder holding the .tflite models")
	fs.IntVar(&o.demo.fps, "fps", 15, "with -demo: replay frame rate")
	fs.BoolVar(&o.demo.quantized, "quantized", false, "with -demo: run the int8 models (models.quantized: true)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return o, nil
}

func main() {
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "facegated:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "facegated: cpuprofile:", err)
			os.Exit(2)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "facegated: cpuprofile:", err)
			os.Exit(2)
		}
		defer pprof.StopCPUProfile()
	}

	if o.demo.enabled {
		err = runDemo(ctx, o.demo, os.Stdout, os.Stderr)
	} else {
		var cfg Config
		cfg, err = LoadConfig(o.configPath)
		if err == nil && o.checkConfig {
			fmt.Printf("facegated: %s is valid\n", o.configPath)
			return
		}
		if err == nil {
			log := newLogger(cfg.Log, os.Stderr)
			err = runDaemon(ctx, cfg, log, nil)
		}
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "facegated:", err)
		stop()
		os.Exit(1)
	}
}

// newLogger returns the slog logger: JSON under systemd (JOURNAL_STREAM or
// INVOCATION_ID set) or when asked, text otherwise.
func newLogger(c LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	json := c.Format == "json"
	if c.Format == "auto" {
		json = os.Getenv("JOURNAL_STREAM") != "" || os.Getenv("INVOCATION_ID") != ""
	}
	if json {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
