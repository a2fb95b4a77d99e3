package examples

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestE2EConcurrentBuilds runs 8 different builds at once on one buildkitd,
// then the same example 4 times at once: all must succeed, and the 4
// identical builds must give the same image digest.
func TestE2EConcurrentBuilds(t *testing.T) {
	e := e2eEnv(t)
	type job struct {
		name, example string
		args          []string
		edit          func(string) string
	}
	dropDocs := func(s string) string { return strings.Replace(s, "\nUSER ", "\nDROP docs\nUSER ", 1) }
	jobs := []job{
		{"perl", "perl", nil, nil},
		{"python3", "python3", nil, nil},
		{"nginx", "nginx", nil, nil},
		{"static", "static", nil, nil},
		{"go-https", "go-https", nil, nil},
		{"big", "big", nil, nil},
		{"perl-drop-docs", "perl", nil, dropDocs},
		{"python3-arm64", "python3", []string{"--platform=linux/arm64"}, nil},
	}
	// A fresh epoch: the extractions clamp mtimes to it, so the four
	// identical builds share work that no earlier build has cached.
	epoch := fmt.Sprint(time.Now().Unix())
	for i := range 4 {
		jobs = append(jobs, job{fmt.Sprintf("same-%d", i), "python3", []string{"--build-arg", "SOURCE_DATE_EPOCH=" + epoch}, nil})
	}
	run := func(jobs []job) map[string]string {
		var wg sync.WaitGroup
		var mu sync.Mutex
		digests := map[string]string{}
		for _, j := range jobs {
			src, err := os.ReadFile(filepath.Join(j.example, "Distrofile"))
			if err != nil {
				t.Fatal(err)
			}
			text := string(src)
			if j.edit != nil {
				text = j.edit(text)
			}
			dir := withSyntax(t, e, text)
			switch j.example {
			case "static":
				goBuild(t, "./static/app", dir)
			case "go-https":
				goBuild(t, "./go-https/app", dir)
				dt, err := os.ReadFile("go-https/private-ca.crt")
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "private-ca.crt"), dt, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				// The image is exported but not pushed: four pushes of the
				// same layers to one registry at once failed now and then
				// in CI ("provided digest did not match uploaded content",
				// "blob unknown to registry"), a race between the pushes,
				// not the builds this test is about. The digest is the
				// exporter's.
				meta := filepath.Join(dir, "metadata.json")
				args := append([]string{"-f", "Distrofile", "--build-arg", "DISTROFILE_MIRROR=" + e.mirror, "--provenance=false",
					"--output", "type=image,name=" + e.registry + "/examples/concurrent:" + j.name + ",push=false", "--metadata-file", meta}, j.args...)
				out, err := buildx(t, dir, append(args, ".")...)
				if err != nil {
					t.Errorf("%s: %v\n%s", j.name, err, lastLines(out, 20))
					return
				}
				var md struct {
					Digest string `json:"containerimage.digest"`
				}
				if dt, err := os.ReadFile(meta); err != nil || json.Unmarshal(dt, &md) != nil || md.Digest == "" {
					t.Errorf("%s: no image digest in %s: %v", j.name, meta, err)
					return
				}
				mu.Lock()
				digests[j.name] = md.Digest
				mu.Unlock()
			}()
		}
		wg.Wait()
		return digests
	}
	run(jobs[:8])
	same := run(jobs[8:])
	for i := 1; i < 4; i++ {
		if a, b := same["same-0"], same[fmt.Sprintf("same-%d", i)]; a == "" || a != b {
			t.Errorf("identical concurrent builds gave different digests: %s and %s", a, b)
		}
	}
}
