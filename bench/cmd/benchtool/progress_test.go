package main

import (
	"bytes"
	"strings"
	"testing"
)

// A rebuild with push after an edit of a build stage's source: the RUN
// ran, the package extraction was cached, the export pushed.
const sampleProgress = `{"vertexes":[{"digest":"sha256:a","name":"extract zlib1g 1:1.3","started":"2026-12-07T10:00:00Z","completed":"2026-12-07T10:00:00Z","cached":true}]}
{"vertexes":[{"digest":"sha256:b","name":"[build 4/4] RUN gcc -o /out/app main.c","started":"2026-12-07T10:00:00.1Z"}]}
{"vertexes":[{"digest":"sha256:b","name":"[build 4/4] RUN gcc -o /out/app main.c","started":"2026-12-07T10:00:00.1Z","completed":"2026-12-07T10:00:00.4Z"}]}
{"vertexes":[{"digest":"sha256:c","name":"[distrofile] COPY","started":"2026-12-07T10:00:00.4Z","completed":"2026-12-07T10:00:00.45Z"}]}
{"vertexes":[{"digest":"sha256:d","name":"fetch a 1 from http://mirror/a.deb","started":"2026-12-07T10:00:00Z","completed":"2026-12-07T10:00:00Z"}]}
{"vertexes":[{"digest":"sha256:h","name":"fetch b 1 from http://mirror/b.deb","started":"2026-12-07T10:00:00Z","completed":"2026-12-07T10:00:00Z"}]}
{"vertexes":[{"digest":"sha256:h","name":"fetch b 1 from http://mirror/b.deb","started":"2026-12-07T10:00:00.2Z","completed":"2026-12-07T10:00:00.3Z"}]}
{"vertexes":[{"digest":"sha256:e","name":"exporting to image","started":"2026-12-07T10:00:00.5Z"}],"statuses":[{"id":"exporting layers","vertex":"sha256:e","started":"2026-12-07T10:00:00.5Z"}]}
{"statuses":[{"id":"exporting layers","vertex":"sha256:e","started":"2026-12-07T10:00:00.5Z","completed":"2026-12-07T10:00:00.6Z"},{"id":"pushing layers","vertex":"sha256:e","started":"2026-12-07T10:00:00.6Z"}]}
{"statuses":[{"id":"pushing layers","vertex":"sha256:e","started":"2026-12-07T10:00:00.6Z","completed":"2026-12-07T10:00:00.85Z"},{"id":"pushing manifest for 127.0.0.1:5057/x:1@sha256:f","vertex":"sha256:e","started":"2026-12-07T10:00:00.85Z","completed":"2026-12-07T10:00:00.9Z"}]}
{"vertexes":[{"digest":"sha256:e","name":"exporting to image","started":"2026-12-07T10:00:00.5Z","completed":"2026-12-07T10:00:00.9Z"}]}
{"vertexes":[{"digest":"sha256:g","name":"[2/2] RUN printf '%s' \"$MIRROR\"","started":"2026-12-07T10:00:01Z","completed":"2026-12-07T10:00:01Z","cached":true}]}
`

func TestProgressUncachedAndExport(t *testing.T) {
	var b bytes.Buffer
	if err := summarizeProgress(strings.NewReader(sampleProgress), &b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		// fetch a only had its cache key computed; fetch b downloaded
		"uncached_n=4\n",
		"uncached='fetch b 1 0.10s; [build 4/4] RUN gcc -o /out/app main.c 0.30s; [distrofile] COPY 0.05s; exporting to image 0.40s'\n",
		"containers_n=1\n",
		"containers='[build 4/4] RUN gcc -o /out/app main.c 0.30s'\n",
		"export_total=0.400\n",
		"export_layers=0.100\n",
		"push_layers=0.250\n",
		"push_manifest=0.050\n",
		"export_items='exporting layers 0.10s; pushing layers 0.25s; pushing manifest 0.05s'\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func TestShq(t *testing.T) {
	if got, want := shq(`a 'b' $c`), `'a '\''b'\'' $c'`; got != want {
		t.Errorf("shq = %s, want %s", got, want)
	}
}

func TestIsContainer(t *testing.T) {
	for name, want := range map[string]bool{
		"[build 3/4] RUN gcc main.c":                      true,
		"RUN go build .":                                  true,
		"extract a 1, b 2":                                true,
		"[distrofile] the C.utf8 locale, from libc-bin 2": true,
		"[distrofile] generated files":                    true,
		"[distrofile] generated files spec":               false,
		"[distrofile] COPY":                               false,
		"[internal] load build context":                   false,
		"exporting to image":                              false,
		"fetch a 1":                                       false,
	} {
		if got := isContainer(name); got != want {
			t.Errorf("isContainer(%q) = %v, want %v", name, got, want)
		}
	}
}
