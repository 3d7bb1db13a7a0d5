/**
 * ARM's error responses, in the spec's shape (`CloudError`: `{ error: { code, message, target?,
 * details? } }`, which also satisfies the actions' `ErrorResponse`). Messages follow ARM's
 * wording so that what a client shows the user looks like what Azure would have said.
 *
 * Who writes the body decides its shape. ARM itself (authentication, api-version, throttling,
 * subscription and resource group look-ups, top-level ResourceNotFound) answers `{ code, message }`
 * only; the Network resource provider adds `details` (often `[]`) to the errors it writes.
 */

/** A response the emulator sends: status, extra headers and a JSON body (or none). */
export interface EmulatorResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialised with JSON.stringify; `undefined` means no body. */
  body?: unknown;
  /** Write a string `body` as it is rather than as a JSON string (for answers that are not JSON). */
  bare?: boolean;
}

/** One entry of an error's `details` (the spec's CloudErrorBody, nested). */
export interface ArmErrorDetail {
  code: string;
  message: string;
  target?: string;
  details?: ArmErrorDetail[];
}

/** The body of an ARM error response. */
export interface ArmErrorBody {
  error: ArmErrorDetail;
}

/**
 * Error codes the Network resource provider writes, which carry `"details": []` when it has
 * nothing to add (InternalServerError: azure-cli issues #4436 and #9236, where it is the error of
 * a failed async operation; AnotherOperationInProgress: Azure/bicep#5132, microsoft/AzureTRE#2222).
 */
const RESOURCE_PROVIDER_CODES: ReadonlySet<string> = new Set(['InternalServerError', 'AnotherOperationInProgress']);

/** The `{ error: { code, message } }` body ARM sends with every failure, with `target` and `details` when given. */
export function armErrorBody(code: string, message: string, target?: string, details?: ArmErrorDetail[]): ArmErrorBody {
  return { error: { code, message, ...(target ? { target } : {}), ...(details ? { details } : {}) } };
}

/** An error response with ARM's body; `details: []` for the codes the resource provider writes. */
export function armError(status: number, code: string, message: string, headers?: Record<string, string>): EmulatorResponse {
  const details = RESOURCE_PROVIDER_CODES.has(code) ? [] : undefined;
  return { status, body: armErrorBody(code, message, undefined, details), ...(headers ? { headers } : {}) };
}

/** 404 ResourceNotFound for a resource ARM cannot find. */
export function resourceNotFound(type: string, name: string, resourceGroup: string): EmulatorResponse {
  return armError(
    404,
    'ResourceNotFound',
    `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

/** 404 ParentResourceNotFound for a nested resource whose parent is missing. */
export function parentResourceNotFound(parentName: string): EmulatorResponse {
  return armError(
    404,
    'ParentResourceNotFound',
    `Can not perform requested operation on nested resource. Parent resource '${parentName}' not found.`,
  );
}

/** 404 SubscriptionNotFound. */
export function subscriptionNotFound(subscriptionId: string): EmulatorResponse {
  return armError(404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);
}

/** 404 ResourceGroupNotFound. */
export function resourceGroupNotFound(name: string): EmulatorResponse {
  return armError(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`);
}

/** 400 for a missing or unknown api-version. */
export function invalidApiVersion(given: string | null, supported: readonly string[], resourceType: string): EmulatorResponse {
  if (given === null || given === '') {
    return armError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
  }
  return armError(
    400,
    'InvalidApiVersionParameter',
    `The api-version '${given}' is invalid. The supported versions for resource type '${resourceType}' are '${supported.join(',')}'.`,
  );
}

/** 403 AuthorizationFailed, as ARM words it for a principal without the role. */
export function authorizationFailed(clientId: string, action: string, scope: string): EmulatorResponse {
  return armError(
    403,
    'AuthorizationFailed',
    `The client '${clientId}' with object id '${clientId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}
