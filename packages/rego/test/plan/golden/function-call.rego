# entrypoint: app/four
package app

double(x) := x * 2

four := double(2)
