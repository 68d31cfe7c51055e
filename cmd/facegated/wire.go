package main

import (
	"context"
	"errors"
	"log/slog"
)

// buildComponents makes the daemon's parts from the config.
func buildComponents(ctx context.Context, cfg Config, log *slog.Logger) (*components, error) {
	return nil, errors.New("facegated: the camera, inference, gallery, door and mqtt packages are not wired yet; only -demo and -check-config work in this build")
}
