# Two commands do all the set-up on a fresh machine of this kind:
#   make demo   build examples/perl through docker buildx and run perl in it
#   make test   every test: unit, hermetic and end to end
.PHONY: demo test unit lint up down image fmt
demo:
	hack/demo
test:
	hack/test
unit:
	go test ./...
# golangci-lint (.golangci.yml), installed into bin/ at hack/lint's pinned version.
lint:
	hack/lint
up:
	@hack/up
down:
	hack/down
image:
	hack/deps
	hack/frontend-image $${REF:-127.0.0.1:5000/distrofile:dev}
fmt:
	gofmt -w $$(git ls-files '*.go')
bench:: ; @bench/run
# The fidelity oracle: what apt's maintainer scripts and triggers leave, and
# how much of it the images have, for the full list of sets (hack/fidelity).
.PHONY: fidelity
fidelity:
	hack/fidelity
