package infer

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestConfigYAML decodes the daemon's infer: section strictly, as the
// daemon does, so a renamed tag breaks this test.
func TestConfigYAML(t *testing.T) {
	src := `
detector_model: /opt/models/face_detection_short_range.tflite
full_range_model: /opt/models/face_detection_full_range.tflite
embedder_model: /opt/models/MobileFaceNet.tflite
min_score: 0.6
small_face_interval: 3
single_embedding: true
alignment: eyes_nose_mouth
max_faces: 2
threads: 2
quality:
  min_eye_distance: 50
  max_yaw: 25
  max_roll: 20
  min_sharpness: 30
  min_brightness: 50
  max_brightness: 200
  min_contrast: 20
`
	var c Config
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.MinScore != 0.6 || c.SmallFaceInterval != 3 || !c.SingleEmbedding || c.Alignment != AlignEyesNoseMouth || c.MaxFaces != 2 ||
		c.Quality.MinEyeDistance != 50 || c.Quality.MinContrast != 20 || c.FullRangeModel == "" {
		t.Errorf("decoded %+v", c)
	}
	var bad Config
	dec = yaml.NewDecoder(strings.NewReader("min_scor: 0.5\n"))
	dec.KnownFields(true)
	if err := dec.Decode(&bad); err == nil {
		t.Error("unknown key accepted")
	}
}
