import * as Documents from "./graphql.js";

/** Every operation, by the name of its client method. */
export const operations = {
  cancelOrder: Documents.CancelOrderDocument,
  createPost: Documents.CreatePostDocument,
  createProduct: Documents.CreateProductDocument,
  deletePost: Documents.DeletePostDocument,
  deleteProduct: Documents.DeleteProductDocument,
  logIn: Documents.LogInDocument,
  me: Documents.MeDocument,
  myOrders: Documents.MyOrdersDocument,
  myPosts: Documents.MyPostsDocument,
  order: Documents.OrderDocument,
  placeOrder: Documents.PlaceOrderDocument,
  post: Documents.PostDocument,
  posts: Documents.PostsDocument,
  product: Documents.ProductDocument,
  products: Documents.ProductsDocument,
  signUp: Documents.SignUpDocument,
  updatePost: Documents.UpdatePostDocument,
  updateProduct: Documents.UpdateProductDocument,
  user: Documents.UserDocument,
} as const;
