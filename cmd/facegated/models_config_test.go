package main

import "testing"

func TestModelsQuantized(t *testing.T) {
	tests := []struct {
		name, yaml         string
		detector, embedder string
	}{
		{"float by default", minimal, ModelDir + "/face_detection_short_range.tflite", ModelDir + "/MobileFaceNet.tflite"},
		{"quantized", minimal + "models: {quantized: true}\n",
			ModelDir + "/face_detection_short_range-int8.tflite", ModelDir + "/MobileFaceNet-int8.tflite"},
		{"quantized, own files", minimal + "models: {quantized: true}\ninfer: {detector_model: /m/det.tflite, embedder_model: /m/emb-int8.tflite}\n",
			"/m/det-int8.tflite", "/m/emb-int8.tflite"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Infer.DetectorModel != tc.detector || cfg.Infer.EmbedderModel != tc.embedder {
				t.Errorf("detector %q embedder %q, want %q %q", cfg.Infer.DetectorModel, cfg.Infer.EmbedderModel, tc.detector, tc.embedder)
			}
		})
	}
	if _, err := ParseConfig([]byte(minimal + "models: {quantised: true}\n")); err == nil {
		t.Error("misspelt models.quantised was accepted")
	}
}
