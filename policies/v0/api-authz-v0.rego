# The classic JWT-with-OPA example policy, verbatim, in Rego v0 syntax: compile it with `--v0-compatible`
# (CLI) or `v0Compatible: true` (compile()). policies/api-authz.rego is its v1 successor.
# Entrypoint: authz/allow. Input: input.jwt.payload.roles and input.method (the classic example's own shape).
package authz

default allow = false

allow {
 input.jwt.payload.roles[_] == "admin"
 input.method == "POST"
}
