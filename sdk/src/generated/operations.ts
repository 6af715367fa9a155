import * as Documents from "./graphql.js";

/** Every query and mutation, by the name of its client method. */
export const operations = {
  advanceOrder: Documents.AdvanceOrderDocumentString,
  cancelOrder: Documents.CancelOrderDocumentString,
  createPost: Documents.CreatePostDocumentString,
  createProduct: Documents.CreateProductDocumentString,
  deleteMe: Documents.DeleteMeDocumentString,
  deletePost: Documents.DeletePostDocumentString,
  deleteProduct: Documents.DeleteProductDocumentString,
  disableUser: Documents.DisableUserDocumentString,
  logIn: Documents.LogInDocumentString,
  logOut: Documents.LogOutDocumentString,
  me: Documents.MeDocumentString,
  myOrders: Documents.MyOrdersDocumentString,
  myPosts: Documents.MyPostsDocumentString,
  order: Documents.OrderDocumentString,
  placeOrder: Documents.PlaceOrderDocumentString,
  post: Documents.PostDocumentString,
  posts: Documents.PostsDocumentString,
  product: Documents.ProductDocumentString,
  products: Documents.ProductsDocumentString,
  refreshToken: Documents.RefreshTokenDocumentString,
  signUp: Documents.SignUpDocumentString,
  updatePost: Documents.UpdatePostDocumentString,
  updateProduct: Documents.UpdateProductDocumentString,
  user: Documents.UserDocumentString,
} as const;

/** Every subscription, by the name of its client method. */
export const subscriptions = {
  orderUpdated: Documents.OrderUpdatedDocumentString,
  postPublished: Documents.PostPublishedDocumentString,
  productUpdated: Documents.ProductUpdatedDocumentString,
} as const;
