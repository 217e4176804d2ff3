/**
 * A request's method upper-cased, as the policy's input and the protocol checks compare it. Node's parser hands the
 * standard methods over in upper case already, and `toUpperCase` is a call into the runtime on every request.
 */
export function upperCaseMethod(method: string): string {
  switch (method) {
    case 'GET':
    case 'POST':
    case 'PUT':
    case 'PATCH':
    case 'DELETE':
    case 'HEAD':
    case 'OPTIONS':
      return method;
    default:
      return method.toUpperCase();
  }
}
