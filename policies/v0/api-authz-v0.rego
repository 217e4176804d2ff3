# The seed policy (shared/seeds/000), verbatim, in Rego v0 syntax: compile it with `--v0-compatible`
# (CLI) or `v0Compatible: true` (compile()). policies/api-authz.rego is its v1 successor.
# Entrypoint: authz/allow. Input: input.jwt.payload.roles and input.method (the seed's own shape).
package authz

default allow = false

allow {
 input.jwt.payload.roles[_] == "admin"
 input.method == "POST"
}
