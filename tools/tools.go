//go:build tools

// Package tools pins the modules the project builds on before every package
// imports them, so that go.mod records the exact versions DEVELOPERS.md names.
package tools

import (
	_ "github.com/blackjack/webcam"
	_ "github.com/coreos/go-systemd/v22/daemon"
	_ "github.com/eclipse/paho.mqtt.golang"
	_ "github.com/mochi-mqtt/server/v2"
	_ "go.etcd.io/bbolt"
	_ "golang.org/x/image/draw"
	_ "golang.org/x/sync/errgroup"
	_ "gopkg.in/yaml.v3"
	_ "periph.io/x/conn/v3/gpio"
	_ "periph.io/x/host/v3/gpioioctl"
)
