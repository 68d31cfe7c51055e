package mqtt

import (
	"time"

	"github.com/facegate/facegate/metrics"
)

// deviceMetrics are the Device's series on the daemon's metrics endpoint.
// A nil *deviceMetrics records nothing.
type deviceMetrics struct {
	published  *metrics.Counter
	queued     *metrics.Gauge
	pubAck     *metrics.Histogram
	commands   *metrics.CounterVec
	rejections *metrics.CounterVec
	connected  *metrics.GaugeVec
}

func newDeviceMetrics(r *metrics.Registry) *deviceMetrics {
	if r == nil {
		return nil
	}
	return &deviceMetrics{
		published: r.Counter("facegate_mqtt_events_published_total", "Events acknowledged by the broker (PUBACK) and removed from the outbox."),
		queued:    r.Gauge("facegate_mqtt_outbox_queued", "Events in the durable outbox waiting for a PUBACK."),
		pubAck: r.Histogram("facegate_mqtt_puback_seconds", "Time from publishing an event to its PUBACK.",
			[]float64{0.001, 0.005, 0.02, 0.1, 0.5, 2, 10}),
		commands:   r.CounterVec("facegate_mqtt_commands_total", "Admin commands by outcome.", "status"),
		rejections: r.CounterVec("facegate_mqtt_command_rejections_total", "Rejected admin commands by reason.", "reason"),
		connected:  r.GaugeVec("facegate_mqtt_connected", "1 while the connection is up.", "connection"),
	}
}

func (m *deviceMetrics) ackedEvents(n int, queued int) {
	if m == nil {
		return
	}
	m.published.Add(float64(n))
	m.queued.Set(float64(queued))
}

func (m *deviceMetrics) queueLen(n int) {
	if m != nil {
		m.queued.Set(float64(n))
	}
}

func (m *deviceMetrics) pubAckLatency(d time.Duration) {
	if m != nil {
		m.pubAck.Observe(d.Seconds())
	}
}

func (m *deviceMetrics) command(status, reason string) {
	if m == nil {
		return
	}
	m.commands.With(status).Inc()
	if reason != "" {
		m.rejections.With(reason).Inc()
	}
}

func (m *deviceMetrics) conn(name string, up bool) {
	if m == nil {
		return
	}
	v := 0.0
	if up {
		v = 1
	}
	m.connected.With(name).Set(v)
}
