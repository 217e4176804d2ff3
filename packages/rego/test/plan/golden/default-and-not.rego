# entrypoint: app/allow
package app

default allow := false

allow if not input.blocked
