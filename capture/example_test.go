package capture_test

import (
	"context"
	"errors"
	"image"
	"log/slog"
	"os"

	"golang.org/x/sync/errgroup"

	"github.com/facegate/facegate/capture"
)

// A pipeline reads the camera through Latest, so a slow stage only ever
// sees the newest frame; conversion reuses one image.
func ExampleLatest() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	cfg := capture.Config{Backend: "v4l2", Device: "/dev/video0", Pin: capture.Pin{Driver: "uvcvideo"}}
	ctx := context.Background()
	src, err := capture.Open(ctx, cfg, log, capture.WithStateFunc(func(c capture.StateChange) {
		log.Info("camera", "state", c.State.String(), "err", c.Err)
	}))
	if err != nil {
		log.Error("camera", "err", err) // names the device, the step and the fix
		return
	}
	defer src.Close()

	latest := capture.NewLatest(src)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return latest.Run(ctx) })
	g.Go(func() error {
		var rgba *image.RGBA
		for {
			f, err := latest.Next(ctx)
			if err != nil {
				return err
			}
			if rgba, err = f.RGBA(rgba); err != nil {
				return err
			}
			_ = rgba // detect, align, embed ...
		}
	})
	if err := g.Wait(); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("pipeline", "err", err)
	}
}
