/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type CreatePostInput = {
  /** At most 20,000 characters. */
  body: string;
  /** Existing products, at most 20. */
  productIds?: Array<string> | null | undefined;
  published?: boolean | null | undefined;
  /** 1–200 characters. */
  title: string;
};

export type CreateProductInput = {
  description?: string | null | undefined;
  name: string;
  priceCents: number;
  sku: string;
  stock: number;
};

export type OrderLineInput = {
  productId: string;
  /** 1–100. */
  quantity: number;
};

/** Fulfilment goes PLACED → SHIPPED → DELIVERED; only a PLACED order can be CANCELLED. */
export type OrderStatus =
  | 'CANCELLED'
  | 'DELIVERED'
  | 'PLACED'
  | 'SHIPPED';

export type PlaceOrderInput = {
  /** 1–20 lines; lines naming the same product are merged. */
  items: Array<OrderLineInput>;
};

export type Role =
  | 'ADMIN'
  | 'CUSTOMER';

export type SignUpInput = {
  email: string;
  name: string;
  /** At least 8 characters. */
  password: string;
};

export type UpdatePostInput = {
  body?: string | null | undefined;
  productIds?: Array<string> | null | undefined;
  published?: boolean | null | undefined;
  title?: string | null | undefined;
};

export type UpdateProductInput = {
  description?: string | null | undefined;
  name?: string | null | undefined;
  priceCents?: number | null | undefined;
  stock?: number | null | undefined;
};

export type OrderFieldsFragment = { id: string, status: OrderStatus, totalCents: number, createdAt: string, buyer: { id: string, name: string } | null, items: Array<{ quantity: number, unitPriceCents: number, product: { id: string, name: string } | null }> };

export type OrderQueryVariables = Exact<{
  id: string;
}>;


export type OrderQuery = { order: { id: string, status: OrderStatus, totalCents: number, createdAt: string, buyer: { id: string, name: string } | null, items: Array<{ quantity: number, unitPriceCents: number, product: { id: string, name: string } | null }> } | null };

export type MyOrdersQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type MyOrdersQuery = { me: { id: string, orders: Array<{ id: string, status: OrderStatus, totalCents: number, createdAt: string, buyer: { id: string, name: string } | null, items: Array<{ quantity: number, unitPriceCents: number, product: { id: string, name: string } | null }> }> | null } | null };

export type PlaceOrderMutationVariables = Exact<{
  input: PlaceOrderInput;
}>;


export type PlaceOrderMutation = { placeOrder: { id: string, status: OrderStatus, totalCents: number, createdAt: string, buyer: { id: string, name: string } | null, items: Array<{ quantity: number, unitPriceCents: number, product: { id: string, name: string } | null }> } };

export type CancelOrderMutationVariables = Exact<{
  id: string;
}>;


export type CancelOrderMutation = { cancelOrder: { id: string, status: OrderStatus, totalCents: number, createdAt: string, buyer: { id: string, name: string } | null, items: Array<{ quantity: number, unitPriceCents: number, product: { id: string, name: string } | null }> } };

export type AdvanceOrderMutationVariables = Exact<{
  id: string;
  status: OrderStatus;
}>;


export type AdvanceOrderMutation = { advanceOrder: { id: string, status: OrderStatus, totalCents: number, createdAt: string, buyer: { id: string, name: string } | null, items: Array<{ quantity: number, unitPriceCents: number, product: { id: string, name: string } | null }> } };

export type OrderUpdatedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type OrderUpdatedSubscription = { orderUpdated: { id: string, status: OrderStatus, totalCents: number, createdAt: string, buyer: { id: string, name: string } | null, items: Array<{ quantity: number, unitPriceCents: number, product: { id: string, name: string } | null }> } };

export type PostFieldsFragment = { id: string, title: string, body: string, published: boolean, createdAt: string, updatedAt: string, author: { id: string, name: string } | null, products: Array<{ id: string, name: string }> | null };

export type PostQueryVariables = Exact<{
  id: string;
}>;


export type PostQuery = { post: { id: string, title: string, body: string, published: boolean, createdAt: string, updatedAt: string, author: { id: string, name: string } | null, products: Array<{ id: string, name: string }> | null } | null };

export type PostsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  authorId?: string | null | undefined;
  productId?: string | null | undefined;
}>;


export type PostsQuery = { posts: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, title: string, body: string, published: boolean, createdAt: string, updatedAt: string, author: { id: string, name: string } | null, products: Array<{ id: string, name: string }> | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type MyPostsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type MyPostsQuery = { me: { id: string, posts: Array<{ id: string, title: string, body: string, published: boolean, createdAt: string, updatedAt: string, author: { id: string, name: string } | null, products: Array<{ id: string, name: string }> | null }> | null } | null };

export type CreatePostMutationVariables = Exact<{
  input: CreatePostInput;
}>;


export type CreatePostMutation = { createPost: { id: string, title: string, body: string, published: boolean, createdAt: string, updatedAt: string, author: { id: string, name: string } | null, products: Array<{ id: string, name: string }> | null } };

export type UpdatePostMutationVariables = Exact<{
  id: string;
  input: UpdatePostInput;
}>;


export type UpdatePostMutation = { updatePost: { id: string, title: string, body: string, published: boolean, createdAt: string, updatedAt: string, author: { id: string, name: string } | null, products: Array<{ id: string, name: string }> | null } };

export type DeletePostMutationVariables = Exact<{
  id: string;
}>;


export type DeletePostMutation = { deletePost: { id: string } };

export type PostPublishedSubscriptionVariables = Exact<{
  productId: string;
}>;


export type PostPublishedSubscription = { postPublished: { id: string, title: string, body: string, published: boolean, createdAt: string, updatedAt: string, author: { id: string, name: string } | null, products: Array<{ id: string, name: string }> | null } };

export type ProductFieldsFragment = { id: string, sku: string, name: string, description: string, priceCents: number, stock: number, createdAt: string };

export type ProductQueryVariables = Exact<{
  id: string;
  postsFirst?: number | null | undefined;
  postsAfter?: string | null | undefined;
}>;


export type ProductQuery = { product: { id: string, sku: string, name: string, description: string, priceCents: number, stock: number, createdAt: string, posts: Array<{ id: string, title: string, author: { id: string, name: string } | null }> | null } | null };

export type ProductsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  search?: string | null | undefined;
}>;


export type ProductsQuery = { products: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, sku: string, name: string, description: string, priceCents: number, stock: number, createdAt: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type CreateProductMutationVariables = Exact<{
  input: CreateProductInput;
}>;


export type CreateProductMutation = { createProduct: { id: string, sku: string, name: string, description: string, priceCents: number, stock: number, createdAt: string } };

export type UpdateProductMutationVariables = Exact<{
  id: string;
  input: UpdateProductInput;
}>;


export type UpdateProductMutation = { updateProduct: { id: string, sku: string, name: string, description: string, priceCents: number, stock: number, createdAt: string } };

export type DeleteProductMutationVariables = Exact<{
  id: string;
}>;


export type DeleteProductMutation = { deleteProduct: { id: string } };

export type ProductUpdatedSubscriptionVariables = Exact<{
  id: string;
}>;


export type ProductUpdatedSubscription = { productUpdated: { id: string, sku: string, name: string, description: string, priceCents: number, stock: number, createdAt: string } };

export type UserFieldsFragment = { id: string, name: string, email: string | null, role: Role, createdAt: string };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, name: string, email: string | null, role: Role, createdAt: string } | null };

export type UserQueryVariables = Exact<{
  id: string;
}>;


export type UserQuery = { user: { id: string, name: string, role: Role, createdAt: string } | null };

export type SignUpMutationVariables = Exact<{
  input: SignUpInput;
}>;


export type SignUpMutation = { signUp: { token: string, refreshToken: string, user: { id: string, name: string, email: string | null, role: Role, createdAt: string } } };

export type LogInMutationVariables = Exact<{
  email: string;
  password: string;
}>;


export type LogInMutation = { logIn: { token: string, refreshToken: string, user: { id: string, name: string, email: string | null, role: Role, createdAt: string } } };

export type RefreshTokenMutationVariables = Exact<{
  token: string;
}>;


export type RefreshTokenMutation = { refreshToken: { token: string, refreshToken: string, user: { id: string, name: string, email: string | null, role: Role, createdAt: string } } };

export type LogOutMutationVariables = Exact<{
  refreshToken: string;
}>;


export type LogOutMutation = { logOut: boolean };

export type DeleteMeMutationVariables = Exact<{
  password: string;
}>;


export type DeleteMeMutation = { deleteMe: boolean };

export type DisableUserMutationVariables = Exact<{
  id: string;
}>;


export type DisableUserMutation = { disableUser: { id: string, name: string, email: string | null, role: Role, createdAt: string } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const OrderFieldsFragmentDoc = new TypedDocumentString(`
    fragment OrderFields on Order {
  id
  status
  totalCents
  createdAt
  buyer {
    id
    name
  }
  items {
    quantity
    unitPriceCents
    product {
      id
      name
    }
  }
}
    `, {"fragmentName":"OrderFields"}) as unknown as TypedDocumentString<OrderFieldsFragment, unknown>;
export const PostFieldsFragmentDoc = new TypedDocumentString(`
    fragment PostFields on Post {
  id
  title
  body
  published
  createdAt
  updatedAt
  author {
    id
    name
  }
  products {
    id
    name
  }
}
    `, {"fragmentName":"PostFields"}) as unknown as TypedDocumentString<PostFieldsFragment, unknown>;
export const ProductFieldsFragmentDoc = new TypedDocumentString(`
    fragment ProductFields on Product {
  id
  sku
  name
  description
  priceCents
  stock
  createdAt
}
    `, {"fragmentName":"ProductFields"}) as unknown as TypedDocumentString<ProductFieldsFragment, unknown>;
export const UserFieldsFragmentDoc = new TypedDocumentString(`
    fragment UserFields on User {
  id
  name
  email
  role
  createdAt
}
    `, {"fragmentName":"UserFields"}) as unknown as TypedDocumentString<UserFieldsFragment, unknown>;
export const OrderDocumentString = new TypedDocumentString(`
    query Order($id: ID!) {
  order(id: $id) {
    ...OrderFields
  }
}
    fragment OrderFields on Order {
  id
  status
  totalCents
  createdAt
  buyer {
    id
    name
  }
  items {
    quantity
    unitPriceCents
    product {
      id
      name
    }
  }
}`) as unknown as TypedDocumentString<OrderQuery, OrderQueryVariables>;
export const MyOrdersDocumentString = new TypedDocumentString(`
    query MyOrders($first: Int, $after: ID) {
  me {
    id
    orders(first: $first, after: $after) {
      ...OrderFields
    }
  }
}
    fragment OrderFields on Order {
  id
  status
  totalCents
  createdAt
  buyer {
    id
    name
  }
  items {
    quantity
    unitPriceCents
    product {
      id
      name
    }
  }
}`) as unknown as TypedDocumentString<MyOrdersQuery, MyOrdersQueryVariables>;
export const PlaceOrderDocumentString = new TypedDocumentString(`
    mutation PlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    ...OrderFields
  }
}
    fragment OrderFields on Order {
  id
  status
  totalCents
  createdAt
  buyer {
    id
    name
  }
  items {
    quantity
    unitPriceCents
    product {
      id
      name
    }
  }
}`) as unknown as TypedDocumentString<PlaceOrderMutation, PlaceOrderMutationVariables>;
export const CancelOrderDocumentString = new TypedDocumentString(`
    mutation CancelOrder($id: ID!) {
  cancelOrder(id: $id) {
    ...OrderFields
  }
}
    fragment OrderFields on Order {
  id
  status
  totalCents
  createdAt
  buyer {
    id
    name
  }
  items {
    quantity
    unitPriceCents
    product {
      id
      name
    }
  }
}`) as unknown as TypedDocumentString<CancelOrderMutation, CancelOrderMutationVariables>;
export const AdvanceOrderDocumentString = new TypedDocumentString(`
    mutation AdvanceOrder($id: ID!, $status: OrderStatus!) {
  advanceOrder(id: $id, status: $status) {
    ...OrderFields
  }
}
    fragment OrderFields on Order {
  id
  status
  totalCents
  createdAt
  buyer {
    id
    name
  }
  items {
    quantity
    unitPriceCents
    product {
      id
      name
    }
  }
}`) as unknown as TypedDocumentString<AdvanceOrderMutation, AdvanceOrderMutationVariables>;
export const OrderUpdatedDocumentString = new TypedDocumentString(`
    subscription OrderUpdated {
  orderUpdated {
    ...OrderFields
  }
}
    fragment OrderFields on Order {
  id
  status
  totalCents
  createdAt
  buyer {
    id
    name
  }
  items {
    quantity
    unitPriceCents
    product {
      id
      name
    }
  }
}`) as unknown as TypedDocumentString<OrderUpdatedSubscription, OrderUpdatedSubscriptionVariables>;
export const PostDocumentString = new TypedDocumentString(`
    query Post($id: ID!) {
  post(id: $id) {
    ...PostFields
  }
}
    fragment PostFields on Post {
  id
  title
  body
  published
  createdAt
  updatedAt
  author {
    id
    name
  }
  products {
    id
    name
  }
}`) as unknown as TypedDocumentString<PostQuery, PostQueryVariables>;
export const PostsDocumentString = new TypedDocumentString(`
    query Posts($first: Int, $after: String, $authorId: ID, $productId: ID) {
  posts(first: $first, after: $after, authorId: $authorId, productId: $productId) {
    totalCount
    edges {
      cursor
      node {
        ...PostFields
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment PostFields on Post {
  id
  title
  body
  published
  createdAt
  updatedAt
  author {
    id
    name
  }
  products {
    id
    name
  }
}`) as unknown as TypedDocumentString<PostsQuery, PostsQueryVariables>;
export const MyPostsDocumentString = new TypedDocumentString(`
    query MyPosts($first: Int, $after: ID) {
  me {
    id
    posts(first: $first, after: $after) {
      ...PostFields
    }
  }
}
    fragment PostFields on Post {
  id
  title
  body
  published
  createdAt
  updatedAt
  author {
    id
    name
  }
  products {
    id
    name
  }
}`) as unknown as TypedDocumentString<MyPostsQuery, MyPostsQueryVariables>;
export const CreatePostDocumentString = new TypedDocumentString(`
    mutation CreatePost($input: CreatePostInput!) {
  createPost(input: $input) {
    ...PostFields
  }
}
    fragment PostFields on Post {
  id
  title
  body
  published
  createdAt
  updatedAt
  author {
    id
    name
  }
  products {
    id
    name
  }
}`) as unknown as TypedDocumentString<CreatePostMutation, CreatePostMutationVariables>;
export const UpdatePostDocumentString = new TypedDocumentString(`
    mutation UpdatePost($id: ID!, $input: UpdatePostInput!) {
  updatePost(id: $id, input: $input) {
    ...PostFields
  }
}
    fragment PostFields on Post {
  id
  title
  body
  published
  createdAt
  updatedAt
  author {
    id
    name
  }
  products {
    id
    name
  }
}`) as unknown as TypedDocumentString<UpdatePostMutation, UpdatePostMutationVariables>;
export const DeletePostDocumentString = new TypedDocumentString(`
    mutation DeletePost($id: ID!) {
  deletePost(id: $id) {
    id
  }
}
    `) as unknown as TypedDocumentString<DeletePostMutation, DeletePostMutationVariables>;
export const PostPublishedDocumentString = new TypedDocumentString(`
    subscription PostPublished($productId: ID!) {
  postPublished(productId: $productId) {
    ...PostFields
  }
}
    fragment PostFields on Post {
  id
  title
  body
  published
  createdAt
  updatedAt
  author {
    id
    name
  }
  products {
    id
    name
  }
}`) as unknown as TypedDocumentString<PostPublishedSubscription, PostPublishedSubscriptionVariables>;
export const ProductDocumentString = new TypedDocumentString(`
    query Product($id: ID!, $postsFirst: Int, $postsAfter: ID) {
  product(id: $id) {
    ...ProductFields
    posts(first: $postsFirst, after: $postsAfter) {
      id
      title
      author {
        id
        name
      }
    }
  }
}
    fragment ProductFields on Product {
  id
  sku
  name
  description
  priceCents
  stock
  createdAt
}`) as unknown as TypedDocumentString<ProductQuery, ProductQueryVariables>;
export const ProductsDocumentString = new TypedDocumentString(`
    query Products($first: Int, $after: String, $search: String) {
  products(first: $first, after: $after, search: $search) {
    totalCount
    edges {
      cursor
      node {
        ...ProductFields
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment ProductFields on Product {
  id
  sku
  name
  description
  priceCents
  stock
  createdAt
}`) as unknown as TypedDocumentString<ProductsQuery, ProductsQueryVariables>;
export const CreateProductDocumentString = new TypedDocumentString(`
    mutation CreateProduct($input: CreateProductInput!) {
  createProduct(input: $input) {
    ...ProductFields
  }
}
    fragment ProductFields on Product {
  id
  sku
  name
  description
  priceCents
  stock
  createdAt
}`) as unknown as TypedDocumentString<CreateProductMutation, CreateProductMutationVariables>;
export const UpdateProductDocumentString = new TypedDocumentString(`
    mutation UpdateProduct($id: ID!, $input: UpdateProductInput!) {
  updateProduct(id: $id, input: $input) {
    ...ProductFields
  }
}
    fragment ProductFields on Product {
  id
  sku
  name
  description
  priceCents
  stock
  createdAt
}`) as unknown as TypedDocumentString<UpdateProductMutation, UpdateProductMutationVariables>;
export const DeleteProductDocumentString = new TypedDocumentString(`
    mutation DeleteProduct($id: ID!) {
  deleteProduct(id: $id) {
    id
  }
}
    `) as unknown as TypedDocumentString<DeleteProductMutation, DeleteProductMutationVariables>;
export const ProductUpdatedDocumentString = new TypedDocumentString(`
    subscription ProductUpdated($id: ID!) {
  productUpdated(id: $id) {
    ...ProductFields
  }
}
    fragment ProductFields on Product {
  id
  sku
  name
  description
  priceCents
  stock
  createdAt
}`) as unknown as TypedDocumentString<ProductUpdatedSubscription, ProductUpdatedSubscriptionVariables>;
export const MeDocumentString = new TypedDocumentString(`
    query Me {
  me {
    ...UserFields
  }
}
    fragment UserFields on User {
  id
  name
  email
  role
  createdAt
}`) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;
export const UserDocumentString = new TypedDocumentString(`
    query User($id: ID!) {
  user(id: $id) {
    id
    name
    role
    createdAt
  }
}
    `) as unknown as TypedDocumentString<UserQuery, UserQueryVariables>;
export const SignUpDocumentString = new TypedDocumentString(`
    mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) {
    token
    refreshToken
    user {
      ...UserFields
    }
  }
}
    fragment UserFields on User {
  id
  name
  email
  role
  createdAt
}`) as unknown as TypedDocumentString<SignUpMutation, SignUpMutationVariables>;
export const LogInDocumentString = new TypedDocumentString(`
    mutation LogIn($email: String!, $password: String!) {
  logIn(email: $email, password: $password) {
    token
    refreshToken
    user {
      ...UserFields
    }
  }
}
    fragment UserFields on User {
  id
  name
  email
  role
  createdAt
}`) as unknown as TypedDocumentString<LogInMutation, LogInMutationVariables>;
export const RefreshTokenDocumentString = new TypedDocumentString(`
    mutation RefreshToken($token: String!) {
  refreshToken(token: $token) {
    token
    refreshToken
    user {
      ...UserFields
    }
  }
}
    fragment UserFields on User {
  id
  name
  email
  role
  createdAt
}`) as unknown as TypedDocumentString<RefreshTokenMutation, RefreshTokenMutationVariables>;
export const LogOutDocumentString = new TypedDocumentString(`
    mutation LogOut($refreshToken: String!) {
  logOut(refreshToken: $refreshToken)
}
    `) as unknown as TypedDocumentString<LogOutMutation, LogOutMutationVariables>;
export const DeleteMeDocumentString = new TypedDocumentString(`
    mutation DeleteMe($password: String!) {
  deleteMe(password: $password)
}
    `) as unknown as TypedDocumentString<DeleteMeMutation, DeleteMeMutationVariables>;
export const DisableUserDocumentString = new TypedDocumentString(`
    mutation DisableUser($id: ID!) {
  disableUser(id: $id) {
    ...UserFields
  }
}
    fragment UserFields on User {
  id
  name
  email
  role
  createdAt
}`) as unknown as TypedDocumentString<DisableUserMutation, DisableUserMutationVariables>;