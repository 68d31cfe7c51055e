// Package metrics is a small Prometheus registry: counters, gauges and
// histograms (optionally with one label), written in the Prometheus text
// exposition format 0.0.4, served with /healthz on a local address.
//
// It is hand-written rather than built on prometheus/client_golang because
// the daemon needs a dozen series and the client library would add about
// ten modules (protobuf, procfs, …) to a binary that runs on a door
// terminal; the text format is small, stable and tested here against a
// golden file.
package metrics

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Registry holds metric families in registration order.
type Registry struct {
	mu       sync.Mutex
	families []family
	names    map[string]bool
}

type family interface {
	write(w io.Writer)
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{names: map[string]bool{}} }

func (r *Registry) add(name string, f family) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.names[name] {
		panic("metrics: duplicate metric " + name)
	}
	r.names[name] = true
	r.families = append(r.families, f)
}

// WriteText writes every family in the text exposition format.
func (r *Registry) WriteText(w io.Writer) {
	r.mu.Lock()
	fs := append([]family(nil), r.families...)
	r.mu.Unlock()
	for _, f := range fs {
		f.write(w)
	}
}

// atomicFloat is a float64 updated atomically.
type atomicFloat struct{ bits atomic.Uint64 }

func (a *atomicFloat) add(v float64) {
	for {
		old := a.bits.Load()
		if a.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}
func (a *atomicFloat) set(v float64) { a.bits.Store(math.Float64bits(v)) }
func (a *atomicFloat) get() float64  { return math.Float64frombits(a.bits.Load()) }

func header(w io.Writer, name, help, typ string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, escapeHelp(help), name, typ)
}

func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(s)
}

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// Counter is a monotonically increasing value.
type Counter struct{ v atomicFloat }

// Inc adds one.
func (c *Counter) Inc() { c.v.add(1) }

// Add adds v, which must not be negative.
func (c *Counter) Add(v float64) {
	if v < 0 {
		panic("metrics: counter decreased")
	}
	c.v.add(v)
}

// Value returns the current value.
func (c *Counter) Value() float64 { return c.v.get() }

// Gauge is a value that goes up and down.
type Gauge struct{ v atomicFloat }

// Set sets the value.
func (g *Gauge) Set(v float64) { g.v.set(v) }

// Add adds v (which may be negative).
func (g *Gauge) Add(v float64) { g.v.add(v) }

// Value returns the current value.
func (g *Gauge) Value() float64 { return g.v.get() }

// vec holds one metric per value of a single label.
type vec[T any] struct {
	name, help, typ, label string
	mu                     sync.Mutex
	m                      map[string]*T
	newT                   func() *T
	write1                 func(w io.Writer, name, labels string, t *T)
}

func (v *vec[T]) with(value string) *T {
	v.mu.Lock()
	defer v.mu.Unlock()
	t := v.m[value]
	if t == nil {
		t = v.newT()
		v.m[value] = t
	}
	return t
}

func (v *vec[T]) write(w io.Writer) {
	header(w, v.name, v.help, v.typ)
	v.mu.Lock()
	keys := make([]string, 0, len(v.m))
	for k := range v.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ts := make([]*T, len(keys))
	for i, k := range keys {
		ts[i] = v.m[k]
	}
	v.mu.Unlock()
	for i, k := range keys {
		labels := ""
		if v.label != "" {
			labels = fmt.Sprintf(`%s="%s"`, v.label, escapeLabel(k))
		}
		v.write1(w, v.name, labels, ts[i])
	}
}

func braces(labels string) string {
	if labels == "" {
		return ""
	}
	return "{" + labels + "}"
}

// CounterVec is a counter family partitioned by one label.
type CounterVec struct{ v *vec[Counter] }

// With returns the counter for a label value, creating it at zero.
func (c *CounterVec) With(value string) *Counter { return c.v.with(value) }

// GaugeVec is a gauge family partitioned by one label.
type GaugeVec struct{ v *vec[Gauge] }

// With returns the gauge for a label value, creating it at zero.
func (g *GaugeVec) With(value string) *Gauge { return g.v.with(value) }

// HistogramVec is a histogram family partitioned by one label.
type HistogramVec struct{ v *vec[Histogram] }

// With returns the histogram for a label value.
func (h *HistogramVec) With(value string) *Histogram { return h.v.with(value) }

func writeCounter(w io.Writer, name, labels string, c *Counter) {
	fmt.Fprintf(w, "%s%s %s\n", name, braces(labels), formatFloat(c.Value()))
}

func writeGauge(w io.Writer, name, labels string, g *Gauge) {
	fmt.Fprintf(w, "%s%s %s\n", name, braces(labels), formatFloat(g.Value()))
}

// Counter registers and returns a counter without labels.
func (r *Registry) Counter(name, help string) *Counter {
	return r.CounterVec(name, help, "").With("")
}

// CounterVec registers a counter family with one label.
func (r *Registry) CounterVec(name, help, label string) *CounterVec {
	v := &vec[Counter]{name: name, help: help, typ: "counter", label: label, m: map[string]*Counter{},
		newT: func() *Counter { return new(Counter) }, write1: writeCounter}
	r.add(name, v)
	return &CounterVec{v}
}

// Gauge registers and returns a gauge without labels.
func (r *Registry) Gauge(name, help string) *Gauge {
	return r.GaugeVec(name, help, "").With("")
}

// GaugeVec registers a gauge family with one label.
func (r *Registry) GaugeVec(name, help, label string) *GaugeVec {
	v := &vec[Gauge]{name: name, help: help, typ: "gauge", label: label, m: map[string]*Gauge{},
		newT: func() *Gauge { return new(Gauge) }, write1: writeGauge}
	r.add(name, v)
	return &GaugeVec{v}
}

// Histogram counts observations into cumulative buckets.
type Histogram struct {
	upper  []float64
	counts []atomic.Uint64 // per bucket, not cumulative; last is +Inf
	sum    atomicFloat
	count  atomic.Uint64
}

func newHistogram(buckets []float64) *Histogram {
	b := append([]float64(nil), buckets...)
	sort.Float64s(b)
	return &Histogram{upper: b, counts: make([]atomic.Uint64, len(b)+1)}
}

// Observe records one value.
func (h *Histogram) Observe(v float64) {
	i := sort.SearchFloat64s(h.upper, v) // first bucket with upper >= v
	h.counts[i].Add(1)
	h.sum.add(v)
	h.count.Add(1)
}

// Count returns the number of observations.
func (h *Histogram) Count() uint64 { return h.count.Load() }

func writeHistogram(w io.Writer, name, labels string, h *Histogram) {
	sep := ""
	if labels != "" {
		sep = ","
	}
	var cum uint64
	for i, u := range h.upper {
		cum += h.counts[i].Load()
		fmt.Fprintf(w, "%s_bucket{%s%sle=\"%s\"} %d\n", name, labels, sep, formatFloat(u), cum)
	}
	cum += h.counts[len(h.upper)].Load()
	fmt.Fprintf(w, "%s_bucket{%s%sle=\"+Inf\"} %d\n", name, labels, sep, cum)
	fmt.Fprintf(w, "%s_sum%s %s\n", name, braces(labels), formatFloat(h.sum.get()))
	fmt.Fprintf(w, "%s_count%s %d\n", name, braces(labels), cum)
}

// LatencyBuckets are histogram bounds in seconds from 1 ms to 5 s.
var LatencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

// Histogram registers and returns a histogram without labels.
func (r *Registry) Histogram(name, help string, buckets []float64) *Histogram {
	return r.HistogramVec(name, help, "", buckets).With("")
}

// HistogramVec registers a histogram family with one label.
func (r *Registry) HistogramVec(name, help, label string, buckets []float64) *HistogramVec {
	v := &vec[Histogram]{name: name, help: help, typ: "histogram", label: label, m: map[string]*Histogram{},
		newT: func() *Histogram { return newHistogram(buckets) }, write1: writeHistogram}
	r.add(name, v)
	return &HistogramVec{v}
}

// Handler serves /metrics from the registry and /healthz from health: 200
// "ok" when it returns nil, else 503 with the error text.
func Handler(r *Registry, health func() error) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		r.WriteText(w)
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := health(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "unhealthy: %v\n", err)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	return mux
}
