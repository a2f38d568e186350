export {
  BEARER_JWT_SCHEME,
  COMMON_HEADERS,
  PROBLEM_RESPONSES,
  type ProblemResponse,
} from "./components.js";
export {
  buildOpenApiDocument,
  type JsonObject,
  type NamedSchema,
  type OpenApiDocumentOptions,
  type Operation,
  type OperationResponse,
  type ProblemUse,
  type RawSchema,
  routeTemplate,
  type SecurityRequirement,
} from "./document.js";
export {
  BEARER_SCHEME_NAME,
  COMPOSITE_HEADERS,
  compositeResponses,
  conditionalRequestHeaders,
  OPENAPI_DOCUMENT_CACHE_CONTROL,
  openApiDocumentOperation,
  openApiDocumentRoute,
  SECURITY_BEARER,
  SECURITY_BEARER_OPTIONAL,
  SECURITY_NONE,
} from "./operations.js";
export { type MoneyAnswer, moneySchema, type ProblemAnswer, problemSchema } from "./schemas.js";
export {
  type CartAnswer,
  cartAnswerSchema,
  cartLineRequestSchema,
  idempotencyKeySchema,
  type OrderAnswer,
  orderAnswerSchema,
  orderRequestSchema,
  shopWriteOperations,
} from "./shop-writes.js";
